"""The drill runner: start the stack (or check the target), run real Locust, write ``results.json``.

``cuaso drill`` and ``cuaso sweep`` call :func:`run_drill`:

1. a target given with ``--host`` must be loopback or explicitly allowed (:func:`scenarios.safety.
   check_target`) — checked before anything is started or sent;
2. otherwise the local reference stack starts (:class:`stack.launcher.LocalStack`) and stops afterwards;
3. Locust runs headless as subprocesses (:mod:`scenarios.drill.locust_procs`); each second the runner
   reads the master's ``live.json``, samples CPU and memory (:mod:`scenarios.drill.sampler`), snapshots
   the stack's ``/metrics`` when a phase ends, and prints progress every few seconds;
4. a hard time bound (the shape's duration plus ``HARD_BOUND_MARGIN_S``) stops Locust whatever happens;
   the abort on error rate happens inside Locust (:mod:`scenarios.drill.monitor`);
5. the results document goes to ``OUT/results.json``, Locust's CSV and HTML beside it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from results.document import Environment, MetricsSnapshot, ResultsDocument, save_results
from results.exceptions import ConfigError, CuasoError
from scenarios.drill.config import DrillConfig
from scenarios.drill.confine import CONFINED_GROUPS, allotments, confinement_for
from scenarios.drill.document import RunFacts, build_document
from scenarios.drill.environment import collect_environment
from scenarios.drill.listeners import LIVE_FILE, OUTPUT_FILE
from scenarios.drill.locust_procs import LocustProcesses, MasterBinding, locustfile_of, start_locust
from scenarios.drill.progress import PROGRESS_EVERY_S, progress_line, read_live
from scenarios.drill.prom_resources import PrometheusResources, with_prometheus_resources
from scenarios.drill.sampler import ResourceSampler
from scenarios.drill.scenario import build_shape
from scenarios.drill.user_file import UserFile, inspect_user_file
from scenarios.journeys import check_mix
from scenarios.safety import check_target
from scenarios.shapes.base import Shape
from stack.cgroups import Confinement, CpuLimit
from stack.launcher import LocalStack, StackOptions

HARD_BOUND_MARGIN_S = 60.0
"""Assumption: Locust's start-up, workers connecting and its shutdown take well under a minute; past
the shape's duration plus this margin (plus the workers' connection wait) the runner stops Locust."""

POLL_S = 1.0
"""How often the runner samples resources and reads Locust's progress (once a second, like Locust)."""

METRICS_TIMEOUT_S = 5.0


class DrillError(CuasoError):
    """The drill could not run or produced no measurements; the message says why and where to look."""

    exit_code = 1


@dataclass(frozen=True)
class DrillRequest:
    """What a person asked for. ``host`` None: start the local stack with ``stack`` options."""

    config: DrillConfig
    out: Path
    host: str | None = None
    allow_hosts: tuple[str, ...] = ()
    workers: int = 0
    stack: StackOptions = field(default_factory=lambda: StackOptions(port=0))
    binding: MasterBinding = field(default_factory=MasterBinding)
    prometheus: bool = False  # run a real Prometheus on 127.0.0.1 scraping the target during the drill
    resources: PrometheusResources | None = None  # the target's CPU and memory per phase from its Prometheus
    # CPU allotments (stack/cgroups.py): "sut" confines the local stack, "generator" confines Locust.
    confine: Mapping[str, CpuLimit] | None = None

    def __post_init__(self) -> None:
        if self.confine is not None:
            unknown = set(self.confine) - set(CONFINED_GROUPS)
            if unknown:
                raise ConfigError("confine", sorted(unknown), f"groups are {', '.join(CONFINED_GROUPS)}")
            if "sut" in self.confine and self.host is not None:
                raise ConfigError("--host", self.host, "the system under test can be confined only when the "
                                  "drill starts the local stack")  # fmt: skip
        if self.workers < 0:
            raise ConfigError("--workers", self.workers, "must be >= 0 (0: one local Locust process)")
        if self.binding.remote < 0:
            raise ConfigError("--remote-workers", self.binding.remote, "must be >= 0")
        if not 0 <= self.binding.port < 65536:
            raise ConfigError("--master-port", self.binding.port, "must be a TCP port (0: a free one)")


@dataclass(frozen=True)
class DrillOutcome:
    path: Path
    document: ResultsDocument


def checked_shape(config: DrillConfig) -> Shape:
    """The config's shape and mix, checked up front; bad values raise :class:`ConfigError`."""
    try:
        check_mix(config.effective_mix())
    except ValueError as exc:
        raise ConfigError("mix", config.scenario, str(exc)) from exc
    try:
        return build_shape(config)
    except (ValueError, TypeError) as exc:
        raise ConfigError("scenario", config.scenario, str(exc)) from exc


def _stack_settings(options: StackOptions) -> dict[str, Any]:
    raw = dataclasses.asdict(options)
    return orjson.loads(orjson.dumps(raw, default=str))  # type: ignore[no-any-return]


def _snapshot(target: str, t_s: float, phase: str) -> MetricsSnapshot | None:
    try:
        response = httpx.get(f"{target.rstrip('/')}/metrics", timeout=METRICS_TIMEOUT_S)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return MetricsSnapshot(t_s=max(0.0, t_s), phase=phase, text=response.text)


def _watch(
    request: DrillRequest, target: str, redis_url: str | None, out: Path, stack: LocalStack | None = None
) -> AbstractContextManager[Any]:
    """A real Prometheus (and the Redis exporter when installed) watching ``target`` during the drill,
    when asked for: a person can open it, or point Grafana at it (docs/dashboards.md)."""
    if not request.prometheus:
        return contextlib.nullcontext()
    from stack.prometheus import StackWatch

    if stack is not None and stack.topology is not None:  # each node (not the balancer URL), the balancer
        first, *rest = stack.topology.scrape_targets()
        return StackWatch(f"http://{first.address}", out / "prometheus", redis_url=None, extra_targets=rest)
    return StackWatch(target, out / "prometheus", redis_url=redis_url)


def run_drill(request: DrillRequest, say: Callable[[str], None] = print) -> DrillOutcome:
    """Run one drill end to end; see the module docstring."""
    if request.host is not None:
        check_target(request.host, request.allow_hosts)
    if request.resources is not None:
        request.resources.check_allowed(request.allow_hosts)
    if request.prometheus:
        from stack.prometheus import require_binary

        require_binary("prometheus")  # fail before anything starts, saying how to install it
    shape = checked_shape(request.config)
    user_file = inspect_user_file(Path(request.config.locustfile)) if request.config.locustfile else None
    if user_file is not None:
        users = ", ".join(u.name for u in user_file.users)
        say(f"locustfile: {user_file.path} (sha256 {user_file.sha256[:12]}…): {users}")
    out = request.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in (LIVE_FILE, OUTPUT_FILE):
        (out / stale).unlink(missing_ok=True)
    started = datetime.now(UTC)
    run_id = f"{request.config.scenario}-{started:%Y%m%dT%H%M%SZ}-s{request.config.seed}"
    allowed = tuple(dict.fromkeys((*request.config.allow_hosts, *request.allow_hosts)))
    config = request.config.with_changes(out=str(out), run_id=run_id, allow_hosts=allowed)
    if user_file is not None:
        config = config.with_changes(locustfile=user_file.path)
    environment = collect_environment()
    with confinement_for(request.confine) as confinement:
        return _run(request, config, shape, out, run_id, started, environment, confinement, say, user_file)


def _run(
    request: DrillRequest,
    config: DrillConfig,
    shape: Shape,
    out: Path,
    run_id: str,
    started: datetime,
    environment: Environment,
    confinement: Confinement | None,
    say: Callable[[str], None],
    user_file: UserFile | None = None,
) -> DrillOutcome:
    stack_names: list[str] = []
    if request.host is not None:
        target = request.host.rstrip("/")
        say(f"drill {run_id}: target {target}")
        with _watch(request, target, None, out) as watch:
            if watch is not None:
                say(f"prometheus: {watch.prometheus.url} (live; Grafana: docs/dashboards.md)")
            collected, sampler, snapshots, killed = _run_locust(
                config, shape, target, request, out, {}, say, confinement
            )
        settings: dict[str, Any] = {"host": target}
    else:
        with LocalStack(request.stack, on_event=lambda m: say(f"stack: {m}")) as stack:
            target = stack.url
            say(f"drill {run_id}: local stack at {target}")
            roots = {name: proc.pid for name, proc in stack.processes.items() if proc.pid is not None}
            stack_names = list(roots)
            if confinement is not None and "sut" in confinement.limits:
                for pid in roots.values():
                    confinement.add("sut", pid)
                say(f"cgroups: the stack confined to {confinement.limits['sut'].describe()}")
            with _watch(request, target, stack.redis_url, out, stack) as watch:
                if watch is not None:
                    say(f"prometheus: {watch.prometheus.url} (live; Grafana: docs/dashboards.md)")
                collected, sampler, snapshots, killed = _run_locust(
                    config, shape, target, request, out, roots, say, confinement
                )
        settings = _stack_settings(request.stack)
    remote = request.binding.remote
    facts = RunFacts(
        run_id=run_id, config=config, shape=shape, target=target, local_stack=request.host is None,
        started_at=started.isoformat().replace("+00:00", "Z"), workers=request.workers + remote,
        stack_settings=settings, killed=killed, remote_workers=remote,
        allotments=allotments(confinement, stack_names), user_file=user_file,
    )  # fmt: skip
    document = build_document(facts, collected, environment, sampler, snapshots)
    if request.resources is not None:
        say(f"resources: per phase from {request.resources.url} ({len(request.resources.tiers)} tiers)")
        document = with_prometheus_resources(document, request.resources, float(collected["started_at"]))
    path = save_results(document, out / "results.json")
    say(f"results: {path}")
    say(f"locust: {out / 'locust.html'} and {out / 'locust_stats.csv'} (logs: {out}/locust*.log)")
    verdict = "valid" if document.validity.valid else "INVALID: " + "; ".join(document.validity.reasons)
    say(f"validity: {verdict}")
    refused = sum(
        e.count for p in document.phases for ep in p.endpoints for e in ep.errors if e.kind == "not_allowed"
    )
    if refused:
        say(f"allow-list: {refused} requests refused, never sent (reasons: {out / 'locust_failures.csv'})")
    return DrillOutcome(path, document)


def _run_locust(
    config: DrillConfig,
    shape: Shape,
    target: str,
    request: DrillRequest,
    out: Path,
    stack_roots: Mapping[str, int],
    say: Callable[[str], None],
    confinement: Confinement | None = None,
) -> tuple[dict[str, Any], ResourceSampler | None, list[MetricsSnapshot], bool]:
    """Run Locust to its end (or the hard bound); returns what it collected and what the runner sampled."""
    workers, binding = request.workers, request.binding
    layout = "one process" if workers + binding.remote == 0 else f"1 master + {workers} workers"
    layout += f" + {binding.remote} remote workers" if binding.remote else ""
    say(f"locust: {layout}, scenario {config.scenario}, {shape.duration_s:g} s, "
        f"peak {shape.peak_users()} simulated users")  # fmt: skip
    distributed = workers + binding.remote > 0
    bound = shape.duration_s + HARD_BOUND_MARGIN_S + (binding.max_wait_s if distributed else 0)
    deadline = time.monotonic() + bound
    procs = start_locust(config, target, out, workers, binding)
    if confinement is not None and "generator" in confinement.limits:
        for pid in procs.pids():
            confinement.add("generator", pid)
        say(f"cgroups: Locust confined to {confinement.limits['generator'].describe()}")
    if binding.remote:
        prefix = f"CUASO_DRILL_LOCUSTFILE={config.locustfile} " if config.locustfile else ""
        say(f"locust: waiting up to {binding.max_wait_s} s for {binding.remote} remote workers; on each "
            f"machine run: {prefix}locust -f scenarios/{locustfile_of(config).name} --worker "
            f"--master-host {binding.host} --master-port {procs.port}")  # fmt: skip
    sampler: ResourceSampler | None = None
    snapshots: list[MetricsSnapshot] = []
    killed = False
    phase: str | None = None
    next_progress = 0.0
    try:
        while procs.master.running:
            time.sleep(POLL_S)
            live = read_live(out / LIVE_FILE)
            if live is not None:
                if sampler is None:
                    sampler = ResourceSampler(stack_roots, procs.pids)
                t = time.time() - float(live["started_at"])
                now_phase = shape.phase_at(min(max(t, 0.0), shape.duration_s - 1e-6))
                sampler.sample(now_phase)
                if phase is not None and now_phase != phase:
                    _keep(snapshots, _snapshot(target, t, phase))
                phase = now_phase
                if time.monotonic() >= next_progress:
                    say(progress_line(live))
                    next_progress = time.monotonic() + PROGRESS_EVERY_S
            if time.monotonic() >= deadline:
                killed = True
                say(f"drill: hard time bound of {bound:g} s reached; stopping Locust")
                break
    finally:
        procs.stop()
    final = read_live(out / LIVE_FILE)
    if phase is not None and final is not None:
        _keep(snapshots, _snapshot(target, float(final["t_s"]), phase))
    return _collected(out, procs), sampler, snapshots, killed


def _keep(snapshots: list[MetricsSnapshot], snapshot: MetricsSnapshot | None) -> None:
    if snapshot is not None:
        snapshots.append(snapshot)


def _collected(out: Path, procs: LocustProcesses) -> dict[str, Any]:
    path = out / OUTPUT_FILE
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        tail = procs.master.log_tail()
        raise DrillError(
            f"Locust wrote no measurements ({path} missing or unreadable); "
            f"its log {procs.master.log_path} ends with:\n{tail}"
        ) from None
    if not isinstance(data, dict):
        raise DrillError(f"{path}: not a JSON object")
    return data
