"""One load level from a k6 end-of-test summary (``k6 run --summary-export FILE`` or ``handleSummary``).

k6 is not run here: the two shapes below are taken from k6's source, not from files k6 wrote on this
machine.

* ``handleSummary(data)``'s object, ``JSON.stringify(data)``: ``metrics.NAME = {"type", "contains",
  "values": {...}}`` and ``state.testRunDurationMs`` (grafana/k6 ``internal/js/summary.go``,
  ``summarizeMetricsToObject`` and ``metricValueGetter``);
* ``--summary-export``: the same with each metric flattened to its ``values`` and a rate metric's
  ``rate`` renamed ``value`` (``internal/js/summary-wrapper.js``, ``oldJSONSummary``).

Values: a counter has ``count`` and ``rate`` (per second over the run), a gauge ``value``, ``min`` and
``max``, a rate ``rate`` (or ``value``), ``passes`` (samples that were true) and ``fails``, a trend the
``summaryTrendStats`` (default ``avg, min, med, max, p(90), p(95)``; ``metrics/sink.go``), in ms for
times. Read: concurrency = ``vus_max``; requests = ``http_reqs.count`` over ``count / rate`` seconds;
failures = ``http_req_failed.passes`` (true = failed); mean and percentile = ``http_req_duration``'s
``avg`` and ``p(P)``; response bytes = ``data_received.count`` (headers included) per request.

One summary is one level: it covers the whole run, so each should be a constant-VUs run whose ramp is
short against its length. Several summaries (one per level, repeats welcome) make the curve.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from capacity.sizing.external.columns import ExternalInputError
from capacity.sizing.external.windows import LoadWindow


def _values(metrics: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    metric = metrics.get(name)
    if not isinstance(metric, Mapping):
        return {}
    nested = metric.get("values")
    return nested if isinstance(nested, Mapping) else metric


def _trend_key(percentile: float) -> str:
    return f"p({percentile:g})"


def read_k6_summary(path: Path, *, percentile: float) -> LoadWindow:
    """The one load level of the k6 summary at ``path`` (see the module doc)."""
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExternalInputError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExternalInputError(f"{source}: not a k6 summary (JSON): {exc}") from None
    metrics = data.get("metrics") if isinstance(data, Mapping) else None
    if not isinstance(metrics, Mapping):
        raise ExternalInputError(f"{source}: no 'metrics' object: not a k6 summary")
    reqs, duration, failed, vus = (_values(metrics, n) for n in ("http_reqs", "http_req_duration",
                                                                "http_req_failed", "vus_max"))  # fmt: skip
    key = _trend_key(percentile)
    found: dict[str, float] = {}
    missing: list[str] = []
    for label, values, names in (
        ("http_reqs.count", reqs, ("count",)),
        ("http_reqs.rate", reqs, ("rate",)),
        ("http_req_duration.avg", duration, ("avg",)),
        (f"http_req_duration.{key}", duration, (key, "med") if percentile == 50 else (key,)),
        ("http_req_failed.passes", failed, ("passes",)),
        ("vus_max.max", vus, ("max", "value")),
    ):
        value = next((values[n] for n in names if isinstance(values.get(n), (int, float))), None)
        if value is None:
            missing.append(label)
        else:
            found[label] = float(value)
    if missing:
        hint = ""
        if f"http_req_duration.{key}" in missing and "http_req_duration.avg" not in missing:
            hint = f"; run k6 with --summary-trend-stats 'avg,min,med,max,p(90),p(95),{key}'"
        have = ", ".join(sorted(metrics))
        raise ExternalInputError(
            f"{source}: the k6 summary lacks {', '.join(missing)}{hint} (metrics: {have})"
        )
    count, rate = found["http_reqs.count"], found["http_reqs.rate"]
    if count <= 0 or rate <= 0:
        raise ExternalInputError(f"{source}: metrics.http_reqs: count={count:g}, rate={rate:g}: no requests")
    received = _values(metrics, "data_received").get("count", 0)
    return LoadWindow(
        source=source,
        label=f"vus {found['vus_max.max']:g}",
        users=found["vus_max.max"],
        duration_s=count / rate,
        requests=round(count),
        failures=round(found["http_req_failed.passes"]),
        mean_ms=found["http_req_duration.avg"],
        percentile_ms=found[f"http_req_duration.{key}"],
        bytes_received=round(received) if isinstance(received, (int, float)) else 0,
    )
