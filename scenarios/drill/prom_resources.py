"""The system under test's resources per phase, from a Prometheus the user names (a portal not ours).

The local stack's CPU and memory are sampled with psutil (:mod:`scenarios.drill.sampler`); a remote
portal's come from its own monitoring. For every phase of a drill, each *tier* (a process kind of the
results document: ``app``, ``redis``, ``forwarder`` …) is asked three PromQL questions, evaluated at the
phase's end over the phase's window (``{window}`` in a query becomes e.g. ``45s``, and ``{step}`` the
scrape interval, e.g. ``15s``: a subquery ``[{window}:{step}]`` needs it, since without a step Prometheus
takes its global ``evaluation_interval``, one minute by default, and a window shorter than that holds no
point at all):

- ``cpu_cores``: the mean CPU cores the tier used in the window (``cpu_seconds`` = that × window);
- ``rss_bytes``: the tier's peak resident memory in the window;
- ``processes`` (optional, default 1): how many processes or containers the tier has.

The queries come from the project file's ``[resources]`` table, written out or from a preset for a
standard exporter: ``process_exporter = "GROUPNAME"`` (ncabatoff's process-exporter, Debian's
``prometheus-process-exporter``) or ``cadvisor = 'LABEL SELECTOR'`` (cAdvisor / the kubelet)::

    [resources]
    prometheus = "http://127.0.0.1:9090"
    [resources.tiers.app]
    process_exporter = "app"
    [resources.tiers.redis]
    cadvisor = 'namespace="portal", container="redis"'
    [resources.tiers.forwarder]
    cpu_cores = 'sum(rate(my_cpu_seconds_total{job="fwd"}[{window}]))'
    rss_bytes = 'max_over_time(sum(my_rss_bytes{job="fwd"})[{window}:{step}])'

``rate`` needs scrapes inside a window: a phase shorter than :data:`MIN_SCRAPES` scrape intervals gets
no figures (a sweep's measured levels are long enough); :data:`SETTLE_SCRAPES` more are awaited after
the drill, so that its last phase is scraped too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from results.document import ResourceUse, ResultsDocument
from results.exceptions import ConfigError, CuasoError
from scenarios.safety import check_target

QUERY_TIMEOUT_S = 10.0
"""Assumption: a Prometheus that takes longer than 10 s for one instant query is not answering."""

DEFAULT_SCRAPE_INTERVAL_S = 15.0
"""Prometheus' own default scrape interval; ``scrape_interval_s`` in ``[resources]`` says yours."""

MIN_SCRAPES = 3
"""A phase shorter than three scrape intervals gets no resource figures: ``rate`` over it would rest on
one or two samples (a sweep's measured levels are long enough; its short warm-ups are not measured)."""

SETTLE_SCRAPES = 2
"""After the drill, wait this many scrape intervals before asking, so the last phase's end is scraped."""

PROCESS_EXPORTER = {
    "cpu_cores": 'sum(rate(namedprocess_namegroup_cpu_seconds_total{{groupname="{g}"}}[{{window}}]))',
    "rss_bytes": "max_over_time(sum(namedprocess_namegroup_memory_bytes"
    '{{groupname="{g}",memtype="resident"}})[{{window}}:{{step}}])',
    "processes": "max_over_time(sum(namedprocess_namegroup_num_procs"
    '{{groupname="{g}"}})[{{window}}:{{step}}])',
}
CADVISOR = {
    "cpu_cores": "sum(rate(container_cpu_usage_seconds_total{{{s}}}[{{window}}]))",
    "rss_bytes": "max_over_time(sum(container_memory_rss{{{s}}})[{{window}}:{{step}}])",
    "processes": "count(count by (namespace, pod, container, name) "
    "(container_cpu_usage_seconds_total{{{s}}}))",
}
PRESETS: Mapping[str, Mapping[str, str]] = {"process_exporter": PROCESS_EXPORTER, "cadvisor": CADVISOR}
QUERY_KEYS = ("cpu_cores", "rss_bytes", "processes")


class ResourceQueryError(CuasoError):
    """Prometheus did not answer a tier's query, or answered with no data: names the tier and query."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class TierQueries:
    """The three questions asked about one tier; ``{window}`` stands for the phase's window."""

    kind: str
    cpu_cores: str
    rss_bytes: str
    processes: str | None = None

    def __post_init__(self) -> None:
        for key in ("cpu_cores", "rss_bytes"):
            if "{window}" not in getattr(self, key):
                raise ConfigError(
                    f"[resources.tiers.{self.kind}] {key}", getattr(self, key), "needs {window}"
                )

    @classmethod
    def from_table(cls, kind: str, table: Mapping[str, Any]) -> TierQueries:
        where = f"[resources.tiers.{kind}]"
        presets = [name for name in PRESETS if name in table]
        unknown = sorted(set(table) - set(PRESETS) - set(QUERY_KEYS))
        if unknown:
            known = ", ".join([*PRESETS, *QUERY_KEYS])
            raise ConfigError(f"{where} {unknown[0]}", table[unknown[0]], f"unknown key; known keys: {known}")
        queries: dict[str, str] = {}
        if len(presets) > 1:
            raise ConfigError(where, presets, "name one preset at most")
        if presets:
            value = str(table[presets[0]])
            field = "g" if presets[0] == "process_exporter" else "s"
            queries = {k: v.format(**{field: value}) for k, v in PRESETS[presets[0]].items()}
        queries.update({k: str(table[k]) for k in QUERY_KEYS if k in table})
        missing = [k for k in ("cpu_cores", "rss_bytes") if k not in queries]
        if missing:
            raise ConfigError(f"{where} {missing[0]}", None, "missing: give the query or a preset")
        return cls(kind, queries["cpu_cores"], queries["rss_bytes"], queries.get("processes"))


@dataclass(frozen=True, slots=True)
class PrometheusResources:
    """Where to ask and what: see the module docstring."""

    url: str
    tiers: tuple[TierQueries, ...]
    scrape_interval_s: float = DEFAULT_SCRAPE_INTERVAL_S

    def __post_init__(self) -> None:
        if not self.tiers:
            raise ConfigError("[resources.tiers]", {}, "name at least one tier (app, redis, ...)")
        if not (math.isfinite(self.scrape_interval_s) and self.scrape_interval_s > 0):
            raise ConfigError("[resources] scrape_interval_s", self.scrape_interval_s, "must be > 0 seconds")

    @classmethod
    def from_table(cls, table: Mapping[str, Any], url: str | None = None) -> PrometheusResources | None:
        """From the project file's ``[resources]`` (``url``, from ``--resources-prometheus``, wins);
        None when neither names a Prometheus."""
        url = url or table.get("prometheus")
        if not url:
            if table.get("tiers"):
                raise ConfigError("[resources] prometheus", None, "tiers given but no Prometheus URL")
            return None
        tiers = table.get("tiers", {})
        if not isinstance(tiers, Mapping) or not all(isinstance(v, Mapping) for v in tiers.values()):
            raise ConfigError("[resources.tiers]", tiers, "must hold one table per tier")
        interval = float(table.get("scrape_interval_s", DEFAULT_SCRAPE_INTERVAL_S))
        return cls(
            str(url).rstrip("/"), tuple(TierQueries.from_table(k, v) for k, v in tiers.items()), interval
        )

    def check_allowed(self, allowed: tuple[str, ...]) -> None:
        """The Prometheus host is a host cuaso sends requests to: it must be allowed like the target."""
        check_target(self.url, allowed)

    def query(self, expr: str, at: float, kind: str) -> float:
        """The sum of the instant vector ``expr`` evaluates to at epoch ``at``."""
        try:
            with httpx.Client(trust_env=False, timeout=QUERY_TIMEOUT_S) as http:
                response = http.get(f"{self.url}/api/v1/query", params={"query": expr, "time": f"{at:.3f}"})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ResourceQueryError(f"tier {kind}: {self.url} did not answer {expr!r}: {exc}") from None
        if body.get("status") != "success":
            raise ResourceQueryError(f"tier {kind}: Prometheus refused {expr!r}: {body.get('error', body)}")
        result = body["data"]["result"]
        if body["data"]["resultType"] == "scalar":
            return float(result[1])
        if not result:
            raise ResourceQueryError(
                f"tier {kind}: no data for {expr!r} at {at:.0f}: is the exporter scraped, and is the window "
                f"longer than two scrape intervals ({self.scrape_interval_s:g} s each)?"
            )
        return sum(float(sample["value"][1]) for sample in result)

    def resources(self, start: float, end: float) -> tuple[ResourceUse, ...]:
        """Every tier's use between the epochs ``start`` and ``end``."""
        seconds = max(1.0, end - start)
        window = f"{max(1, round(seconds))}s"
        step = f"{max(1, round(self.scrape_interval_s))}s"

        def ask(expr: str, kind: str) -> float:
            return self.query(expr.replace("{window}", window).replace("{step}", step), end, kind)

        out = []
        for tier in self.tiers:
            cores = max(0.0, ask(tier.cpu_cores, tier.kind))
            rss = ask(tier.rss_bytes, tier.kind)
            procs = ask(tier.processes, tier.kind) if tier.processes else 1
            out.append(
                ResourceUse(
                    kind=tier.kind,
                    processes=max(1, round(procs)),
                    cpu_seconds=cores * seconds,
                    cpu_cores_mean=cores,
                    rss_bytes_max=max(0, round(rss)),
                )
            )
        return tuple(out)

    def settle(self, last_end: float) -> None:
        """Wait until Prometheus has scraped past ``last_end`` (epoch)."""
        wait = last_end + SETTLE_SCRAPES * self.scrape_interval_s - time.time()
        if wait > 0:
            time.sleep(wait)


def with_prometheus_resources(
    document: ResultsDocument, source: PrometheusResources, started_at: float
) -> ResultsDocument:
    """The document with every phase's resources read from ``source`` (phases are relative to the
    Locust test start, the epoch ``started_at``)."""
    source.settle(started_at + max(p.end_s for p in document.phases))
    phases = tuple(
        p.model_copy(update={"resources": source.resources(started_at + p.start_s, started_at + p.end_s)})
        if p.duration_s >= MIN_SCRAPES * source.scrape_interval_s
        else p.model_copy(update={"resources": ()})  # too short for rate(): no figure rather than a wrong one
        for p in document.phases
    )
    return document.model_copy(update={"phases": phases})
