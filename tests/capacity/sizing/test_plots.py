"""The sizing's plots: nodes against target users and utilization per mode write real PNGs."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from capacity.exceptions import ModelError
from capacity.plots import DPI, FIGURE_SIZE_IN, plot_nodes_vs_users, plot_utilization_modes
from capacity.sizing.inputs import profile_from_documents
from capacity.sizing.params import SizingParameters
from capacity.sizing.plan import nodes_curve, size
from capacity.sizing.synthetic import synthetic_sweep
from capacity.usl import USLParameters


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000  # a real drawing, not an empty canvas
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_nodes_and_utilization_plots(tmp_path: Path) -> None:
    doc = synthetic_sweep(
        USLParameters(100.0, 0.05, 0.001).throughput_at_concurrency, (1, 2, 4, 8, 16, 24, 32)
    )
    profile = profile_from_documents([("sweep.json", doc)])
    params = SizingParameters(slo_ms=60.0)
    curve = nodes_curve(profile, params, [20_000.0 * k for k in range(1, 13)])
    expected = (int(FIGURE_SIZE_IN[0] * DPI), int(FIGURE_SIZE_IN[1] * DPI))
    assert (
        _png_size(plot_nodes_vs_users(curve, tmp_path / "n" / "nodes.png", target_users=120_000)) == expected
    )
    sizing = size(profile, params)
    assert _png_size(plot_utilization_modes(sizing.modes, 0.7, tmp_path / "modes.png")) == expected
    with pytest.raises(ModelError, match="curve: need at least 2 points to draw a line, got 1"):
        plot_nodes_vs_users(curve[:1], tmp_path / "one.png")
    with pytest.raises(ModelError, match="modes: need at least one mode, got none"):
        plot_utilization_modes((), 0.7, tmp_path / "none.png")
    assert not (tmp_path / "one.png").exists()
