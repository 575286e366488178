"""PNG plots of the capacity models (matplotlib, no display needed).

Plotting lives here, never in the models: each function takes a model (and its data) plus a path,
writes one PNG and returns the path. The last two draw a sizing's results (:mod:`capacity.sizing.plan`):
app nodes against target users, and utilization per failure mode. Figures are built with
:class:`matplotlib.figure.Figure` and the Agg canvas directly, so no global pyplot state or display
backend is touched and the functions are safe to call from a CLI or a report builder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from capacity._validate import probability
from capacity.exceptions import ModelError
from capacity.mva import MVAModel
from capacity.usl import USLModel

if TYPE_CHECKING:
    from capacity.sizing.app import ModeUtilization
    from capacity.sizing.plan import NodesAtUsers

CURVE_POINTS = 400
"""Assumption: samples along a fitted curve; enough for a smooth line at report sizes."""

FIGURE_SIZE_IN = (7.0, 4.5)
"""Assumption: figure size in inches (700×450 px at :data:`DPI`)."""

DPI = 100
"""Assumption: resolution of the written PNGs."""

EXTEND_PAST_DATA = 1.5
"""Assumption: how far past the largest measured concurrency the fitted curve is drawn (× max N)."""


def _save(figure: Figure, path: str | Path) -> Path:
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ModelError(f"path: must end in .png, got {str(path)!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure)
    figure.savefig(target, format="png", dpi=DPI)
    return target


def _curve_range(model: USLModel, max_concurrency: float | None) -> np.ndarray:
    top = max_concurrency if max_concurrency is not None else max(model.concurrency) * EXTEND_PAST_DATA
    if not top > 0:
        raise ModelError(f"max_concurrency: must be > 0, got {max_concurrency!r}")
    return np.linspace(min(1.0, min(model.concurrency)), top, CURVE_POINTS)


def plot_usl(
    model: USLModel,
    path: str | Path,
    *,
    level: float = 0.95,
    max_concurrency: float | None = None,
    title: str = "Throughput vs concurrency (USL fit)",
) -> Path:
    """Measured points, the fitted USL curve, its ``level`` confidence band and the peak."""
    probability("level", level)
    n = _curve_range(model, max_concurrency)
    bands = [model.throughput_band_at_concurrency(float(v), level) for v in n]
    figure = Figure(figsize=FIGURE_SIZE_IN)
    ax = figure.add_subplot()
    ax.fill_between(n, [b.low for b in bands], [b.high for b in bands], alpha=0.25, label=f"{level:.0%} band")
    ax.plot(
        n, model.throughputs(n), label=f"USL: λ={model.lambda_:.4g}, σ={model.sigma:.3g}, κ={model.kappa:.3g}"
    )
    ax.scatter(model.concurrency, model.throughput, color="black", s=18, zorder=3, label="measured")
    peak = model.peak_concurrency
    if peak <= n[-1]:
        ax.axvline(peak, linestyle=":", color="grey", label=f"peak N={peak:.0f}")
    ax.set_xlabel("concurrency N")
    ax.set_ylabel("throughput X(N)")
    ax.set_title(title)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    return _save(figure, path)


def plot_usl_latency(
    model: USLModel,
    path: str | Path,
    *,
    think_time: float = 0.0,
    max_concurrency: float | None = None,
    title: str = "Latency vs load (USL)",
) -> Path:
    """Mean latency N/X(N) − Z: measured (from the points, by Little's law) and from the fitted curve."""
    n = _curve_range(model, max_concurrency)
    figure = Figure(figsize=FIGURE_SIZE_IN)
    ax = figure.add_subplot()
    ax.plot(n, [model.latency_at_concurrency(float(v), think_time) for v in n], label="USL model")
    measured = [c / x - think_time for c, x in zip(model.concurrency, model.throughput, strict=True)]
    ax.scatter(model.concurrency, measured, color="black", s=18, zorder=3, label="measured (N/X − Z)")
    ax.set_xlabel("concurrency N")
    ax.set_ylabel("mean latency")
    ax.set_title(title)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return _save(figure, path)


def plot_mva(model: MVAModel, max_n: int, path: str | Path, *, title: str = "MVA: load vs users") -> Path:
    """Throughput and mean response time for 1..max_n users, with the asymptotic bounds of laws.py."""
    results = model.curve(max_n)
    users = np.array([r.population for r in results])
    bounds = model.bounds
    figure = Figure(figsize=(FIGURE_SIZE_IN[0], FIGURE_SIZE_IN[1] * 1.6))
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.plot(users, [r.throughput for r in results], label="MVA X(N)")
    top.plot(users, [bounds.throughput_upper(int(u)) for u in users], linestyle="--", label="bound")
    top.set_ylabel("throughput (req/s)")
    top.set_title(title)
    top.legend(loc="lower right", fontsize="small")
    top.grid(alpha=0.3)
    bottom.plot(users, [r.response_time for r in results], label="MVA R(N)")
    bottom.plot(users, [bounds.response_time_lower(int(u)) for u in users], linestyle="--", label="bound")
    if bounds.knee <= max_n:
        bottom.axvline(bounds.knee, linestyle=":", color="grey", label=f"N*={bounds.knee:.1f}")
    bottom.set_xlabel("users N")
    bottom.set_ylabel("response time (s)")
    bottom.legend(loc="upper left", fontsize="small")
    bottom.grid(alpha=0.3)
    return _save(figure, path)


def plot_nodes_vs_users(
    curve: Sequence[NodesAtUsers],
    path: str | Path,
    *,
    target_users: float | None = None,
    title: str = "App nodes against target users",
) -> Path:
    """Base node counts (P50 line, P50–P90 band) and installed nodes (P90 layout) per target of
    concurrent users, from :func:`capacity.sizing.nodes_curve`; ``target_users`` is marked."""
    if len(curve) < 2:
        raise ModelError(f"curve: need at least 2 points to draw a line, got {len(curve)}")
    users = [c.target_users for c in curve]
    figure = Figure(figsize=FIGURE_SIZE_IN)
    ax = figure.add_subplot()
    ax.fill_between(users, [c.p50 for c in curve], [c.p90 for c in curve], alpha=0.25, step="post",
                    label="base nodes, P50–P90")  # fmt: skip
    ax.step(users, [c.p50 for c in curve], where="post", label="base nodes, P50")
    ax.step(users, [c.installed_p90 for c in curve], where="post", linestyle="--",
            label="installed (P90, N+k per site)")  # fmt: skip
    if target_users is not None:
        ax.axvline(target_users, linestyle=":", color="grey", label=f"target {target_users:,.0f} users")
    ax.set_xlabel("target concurrent users")
    ax.set_ylabel("app nodes")
    ax.set_title(title)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return _save(figure, path)


def plot_utilization_modes(
    modes: Sequence[ModeUtilization],
    max_utilization: float,
    path: str | Path,
    *,
    title: str = "App node utilization per mode at the planned peak",
) -> Path:
    """Bars of node utilization (share of capacity at the operating point) and CPU utilization in
    each failure mode, with the headroom limit as a line."""
    if not modes:
        raise ModelError("modes: need at least one mode, got none")
    probability("max_utilization", max_utilization, open_interval=False)
    x = np.arange(len(modes))
    width = 0.38
    figure = Figure(figsize=FIGURE_SIZE_IN)
    ax = figure.add_subplot()
    ax.bar(x - width / 2, [100 * m.utilization for m in modes], width, label="utilization (capacity)")
    ax.bar(x + width / 2, [100 * m.cpu_utilization for m in modes], width, label="CPU utilization")
    ax.axhline(
        100 * max_utilization, linestyle="--", color="red", label=f"headroom limit {max_utilization:.0%}"
    )
    ax.set_xticks(x, [m.mode for m in modes])
    ax.set_ylabel("% of one node")
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    return _save(figure, path)
