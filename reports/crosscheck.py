"""``python -m reports.crosscheck RESULTS.json``: cuaso's client-side percentiles against the portal's own.

An independent measurement of the same requests: the portal times every request itself, from its start
to the last byte of the answer, into Prometheus histograms per method and route template
(``cuaso_http_request_duration_seconds``, ``stack/app/metrics.py``), and a drill snapshots ``/metrics``
at the end of every phase (``metrics_snapshots``). The difference of two snapshots is the server's
histogram of one phase; :func:`crosscheck` lays its p50/p95/p99 (Prometheus' ``histogram_quantile``:
linear within the bucket, so known only to the bucket's width) beside the client's HDR percentiles of
the same endpoint and phase. The client's figure should be the larger by what lies outside the server
(loopback, the client's parsing, the generator's own delay; the open model's start lag on a session's
first request): a client figure *below* the server's bucket means the measurement is wrong.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from results.document import ResultsDocument, load_results

METRIC = "cuaso_http_request_duration_seconds"
PERCENTILES = (50.0, 95.0, 99.0)

Buckets = dict[tuple[str, str], dict[float, float]]
"""(method, route) → upper bound (s) → cumulative count."""


def buckets(text: str) -> Buckets:
    """The request-duration histogram buckets of one ``/metrics`` text."""
    out: Buckets = {}
    for family in text_string_to_metric_families(text):
        if family.name != METRIC:
            continue
        for sample in family.samples:
            if sample.name == METRIC + "_bucket":
                key = (sample.labels["method"], sample.labels["route"])
                out.setdefault(key, {})[float(sample.labels["le"])] = float(sample.value)
    return out


def difference(later: Buckets, earlier: Buckets) -> Buckets:
    """``later`` − ``earlier``, per endpoint and bucket (counts only grow)."""
    return {
        key: {le: count - earlier.get(key, {}).get(le, 0.0) for le, count in bounds.items()}
        for key, bounds in later.items()
    }


def quantile_ms(bounds: dict[float, float], percentile: float) -> float:
    """Prometheus' ``histogram_quantile``: linear within the bucket holding the percentile; the highest
    finite bound when it falls in ``+Inf``; NaN without a request."""
    ordered = sorted(bounds.items())
    total = ordered[-1][1] if ordered else 0.0
    if total <= 0:
        return math.nan
    rank = percentile / 100.0 * total
    lower, below = 0.0, 0.0
    for le, count in ordered:
        if count >= rank:
            if math.isinf(le):
                return lower * 1000.0
            share = (rank - below) / (count - below) if count > below else 1.0
            return (lower + (le - lower) * share) * 1000.0
        lower, below = le, count
    return lower * 1000.0


@dataclass(frozen=True, slots=True)
class Row:
    phase: str
    endpoint: str
    client_requests: int
    server_requests: int
    client_ms: tuple[float, ...]
    server_ms: tuple[float, ...]


def crosscheck(doc: ResultsDocument) -> list[Row]:
    """Per phase with a snapshot and per endpoint both sides saw: requests and p50/p95/p99 of each."""
    rows: list[Row] = []
    previous: Buckets = {}
    names = {p.name for p in doc.phases}
    for snapshot in doc.metrics_snapshots:
        now = buckets(snapshot.text)
        window, previous = difference(now, previous), now
        if snapshot.phase not in names:
            continue
        for endpoint in doc.phase(snapshot.phase).endpoints:
            method, _, route = endpoint.name.partition(" ")
            server = window.get((method, route))
            if not server or max(server.values()) <= 0:
                continue
            client = endpoint.latency()
            rows.append(Row(
                phase=snapshot.phase, endpoint=endpoint.name, client_requests=endpoint.requests,
                server_requests=round(max(server.values())),
                client_ms=tuple(client.percentile_ms(p) for p in PERCENTILES),
                server_ms=tuple(quantile_ms(server, p) for p in PERCENTILES),
            ))  # fmt: skip
    return rows


def table(rows: Sequence[Row]) -> str:
    head = (
        "| phase | endpoint | requests (client / server) | p50 client / server (ms) "
        "| p95 client / server (ms) | p99 client / server (ms) |\n|---|---|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r.phase} | {r.endpoint} | {r.client_requests} / {r.server_requests} | "
        + " | ".join(f"{c:.1f} / {s:.1f}" for c, s in zip(r.client_ms, r.server_ms, strict=True))
        + " |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.crosscheck", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("results", help="a drill's results.json (with /metrics snapshots: the local stack)")
    args = parser.parse_args(argv)
    rows = crosscheck(load_results(args.results))
    if not rows:
        print(f"{args.results}: no /metrics snapshot with the portal's request histograms")
        return 1
    print(table(rows), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
