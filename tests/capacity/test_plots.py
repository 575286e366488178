"""Plots write valid, non-trivial PNGs of the expected size (and nothing else)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from capacity.exceptions import ModelError
from capacity.mva import MVAModel
from capacity.plots import DPI, FIGURE_SIZE_IN, plot_mva, plot_usl, plot_usl_latency
from capacity.points import Points
from capacity.usl import fit_usl

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    assert len(data) > 10_000  # a real drawing, not an empty canvas
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_usl_and_latency_plots(tmp_path: Path, specsdm91: Points) -> None:
    model = fit_usl(specsdm91.concurrency, specsdm91.throughput)
    written = plot_usl(model, tmp_path / "nested" / "usl.png", level=0.9)
    assert written == tmp_path / "nested" / "usl.png"
    assert _png_size(written) == (int(FIGURE_SIZE_IN[0] * DPI), int(FIGURE_SIZE_IN[1] * DPI))
    _png_size(plot_usl_latency(model, tmp_path / "latency.png"))


def test_mva_plot(tmp_path: Path) -> None:
    model = MVAModel({"app": 0.004, "redis": 0.001}, think_time=1.0)
    width, height = _png_size(plot_mva(model, 600, tmp_path / "mva.png"))
    assert height > width


def test_only_png_paths_are_accepted(tmp_path: Path, specsdm91: Points) -> None:
    model = fit_usl(specsdm91.concurrency, specsdm91.throughput)
    with pytest.raises(ModelError, match=r"path: must end in .png, got '.*usl.svg'"):
        plot_usl(model, tmp_path / "usl.svg")
    assert not (tmp_path / "usl.svg").exists()
