"""The drill's measuring, wired into Locust's events (imported by the drills' locustfiles only:
``scenarios/locustfile.py`` for cuaso's journeys, ``scenarios/user_locustfile.py`` for a user's own).

* ``init_command_line_parser``: the ``--cuaso-*`` options (:mod:`scenarios.drill.config`).
* ``init`` (master or local process): the drill's runtime, so the shape can tick before the test starts.
* ``test_start`` (every process): the runtime for this process — a worker takes its index and the
  worker count from its master, hence its slice of the citizens — and the clock's time 0; on the
  master (or local process) a watcher greenlet that samples users each second, makes a timeline point
  every ``TIMELINE_S``, writes ``live.json`` and ``collector.json`` into ``--cuaso-out`` and stops the
  drill early when :meth:`Monitor.verdict` says so.
* ``test_start`` also starts, in every process that runs users, the event-loop lag sampler
  (:mod:`scenarios.drill.loop_lag`) and, in an open drill, the dispatcher of this process's share of the
  arrival schedule (:mod:`scenarios.journeys.open_model`); ``test_stop`` stops both and counts the
  arrivals still waiting as dropped.
* ``request``: every response time into the recorder's HDR histograms, per (phase, endpoint); the open
  model's start lag of a session (the request event's context) is added to its first request.
* ``report_to_master`` / ``worker_report``: each worker's drained recorder (and its own CPU time, so
  the master knows the load of workers on other machines) travels with Locust's own periodic report
  and is merged on the master; in a fixed-iteration drill a worker also flushes at once
  (a ``cuaso_flush`` message) when one of its users finishes, so the master knows when all are done.
* ``test_stop`` / ``quit``: the end time, then the final ``collector.json``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gevent
import orjson
import psutil
from locust import User
from locust.env import Environment
from locust.event import Events
from locust.runners import MasterRunner, WorkerRunner

from scenarios.drill.collector import Delta, error_kind
from scenarios.drill.config import DrillConfig, register_options
from scenarios.drill.loop_lag import LoopSampler
from scenarios.drill.monitor import TIMELINE_S, Monitor
from scenarios.journeys import runtime
from scenarios.journeys.base import START_LAG_KEY
from scenarios.journeys.registry import user_classes

log = logging.getLogger("cuaso.drill")

REPORT_KEY = "cuaso"
CPU_KEY = "cuaso_cpu"
FLUSH_MESSAGE = "cuaso_flush"
LIVE_FILE = "live.json"
OUTPUT_FILE = "collector.json"
WATCH_S = 1.0
"""How often the watcher samples the user count (Locust's own shape loop ticks once a second too)."""


def _own_cpu_s() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def write_json(path: Path, data: Any) -> None:
    """Write atomically: the runner may read the file at any instant."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(data))
    os.replace(tmp, path)


ClassChooser = Callable[[runtime.DrillRuntime], Sequence[type[User]]]
"""Which user classes a drill runs, given its runtime (the shape hands them to Locust)."""


def journey_classes(rt: runtime.DrillRuntime) -> Sequence[type[User]]:
    """cuaso's journeys: the mix's enabled ones, or the open model's pool."""
    return user_classes(rt.mix, open_model=rt.schedule is not None, session_mix=rt.config.session_mix)


class DrillListeners:
    """One per Locust process: see the module docstring. ``choose`` picks the user classes (default:
    cuaso's journeys; a user's locustfile passes its own classes)."""

    def __init__(self, choose: ClassChooser = journey_classes) -> None:
        self.choose = choose
        self.classes: list[type[User]] = []
        self.monitor: Monitor | None = None
        self._watcher: gevent.Greenlet | None = None
        self._helpers: list[gevent.Greenlet] = []  # loop-lag sampler, arrival dispatcher
        self._out: Path | None = None
        self._cpu_seen: dict[str, tuple[float, float]] = {}

    def install(self, locust_events: Events) -> None:
        events: Any = locust_events  # Locust's EventHook.add_listener is untyped
        events.init_command_line_parser.add_listener(register_options)
        events.init.add_listener(self.on_init)
        events.test_start.add_listener(self.on_test_start)
        events.request.add_listener(self.on_request)
        events.report_to_master.add_listener(self.on_report_to_master)
        events.worker_report.add_listener(self.on_worker_report)
        events.spawning_complete.add_listener(self.on_spawning_complete)
        events.test_stop.add_listener(self.on_test_stop)
        events.quit.add_listener(self.on_quit)

    # --- start ----------------------------------------------------------------------------------------

    def on_init(self, environment: Environment, **_kw: Any) -> None:
        runner = environment.runner
        if isinstance(runner, MasterRunner):
            runner.register_message(FLUSH_MESSAGE, self.on_flush)
        if not isinstance(runner, WorkerRunner):
            rt = runtime.start(DrillConfig.from_options(environment.parsed_options))
            self.classes = list(self.choose(rt))

    def on_test_start(self, environment: Environment, **_kw: Any) -> None:
        runner = environment.runner
        config = DrillConfig.from_options(environment.parsed_options)
        if isinstance(runner, WorkerRunner):
            workers = int(getattr(environment.parsed_options, "expect_workers", 1) or 1)
            rt = runtime.start(config, max(runner.worker_index, 0), workers)
            rt.on_user_finished.append(lambda: self.flush(environment))
            rt.start_clock()
            self.start_helpers(rt)
            return
        rt = runtime.current()
        rt.start_clock()
        if not isinstance(runner, MasterRunner):
            self.start_helpers(rt)
        self._out = Path(config.out) if config.out else None
        if self._out is not None:
            self._out.mkdir(parents=True, exist_ok=True)
        self.monitor = Monitor(config, rt.shape.duration_s, rt.shape.peak_users(), rt.t0)
        self.write_live()
        self._watcher = gevent.spawn(self.watch, environment)

    def start_helpers(self, rt: runtime.DrillRuntime) -> None:
        """In a process that runs users: the loop-lag sampler, and the open model's dispatcher."""
        self.stop_helpers()
        sampler = LoopSampler(rt.recorder, rt.phase_at, lambda: rt.sessions)
        self._helpers.append(gevent.spawn(sampler.run))
        queue = rt.open_arrivals()
        if queue is not None:
            self._helpers.append(gevent.spawn(queue.dispatch))

    def stop_helpers(self) -> None:
        for helper in self._helpers:
            helper.kill(block=False)
        self._helpers.clear()
        rt = runtime.current_or_none()
        if rt is not None and rt.arrivals is not None and not rt.arrivals.closed:
            rt.arrivals.close()

    def on_spawning_complete(self, user_count: int, **_kw: Any) -> None:
        """Every user of the drill's peak is running: release a fixed-iteration drill's users."""
        rt = runtime.current_or_none()
        if rt is not None and user_count >= rt.shape.peak_users():
            rt.all_spawned.set()

    # --- measuring ------------------------------------------------------------------------------------

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response_length: int | None,
        response: Any = None,
        exception: BaseException | None = None,
        start_time: float | None = None,
        context: dict[str, Any] | None = None,
        **_kw: Any,
    ) -> None:
        rt = runtime.current_or_none()
        if rt is None:
            return
        lag_ms = float(context.get(START_LAG_KEY, 0.0)) if context else 0.0
        if lag_ms > 0:  # the open model: measured from the session's intended start
            response_time += lag_ms
            start_time = None if start_time is None else start_time - lag_ms / 1000.0
        error = None
        if exception is not None:
            # A step that fails a request itself (catch_response) hides why no answer came; the HTTP
            # client keeps the cause on the response: a timeout must count as one, not as "connection".
            cause = getattr(response, "error", None)
            cause = cause if isinstance(cause, BaseException) else exception
            error = error_kind(int(getattr(response, "status_code", 0) or 0), cause)
        rt.recorder.request(rt.phase_at(start_time), f"{request_type} {name}", response_time,
                            int(response_length or 0), error)  # fmt: skip

    def on_report_to_master(self, client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        rt = runtime.current_or_none()
        if rt is not None:
            data[REPORT_KEY] = rt.recorder.drain().encode()
            data[CPU_KEY] = [time.time(), _own_cpu_s()]

    def on_worker_report(self, client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        payload = data.get(REPORT_KEY)
        if payload and self.monitor is not None:
            self.monitor.add(Delta.decode(payload))
        cpu = data.get(CPU_KEY)
        rt = runtime.current_or_none()
        if cpu and self.monitor is not None and rt is not None:
            self._sample_cpu(rt, client_id, float(cpu[0]), float(cpu[1]))

    def _sample_cpu(self, rt: runtime.DrillRuntime, process: str, wall: float, cpu_s: float) -> None:
        """CPU share of one Locust process (100 = one core) since its previous sample."""
        last = self._cpu_seen.get(process)
        self._cpu_seen[process] = (wall, cpu_s)
        if last is None or wall <= last[0] or self.monitor is None or rt.elapsed(wall) >= rt.shape.duration_s:
            return
        self.monitor.sample_generator(
            rt.phase_at(wall), {process: 100.0 * (cpu_s - last[1]) / (wall - last[0])}
        )

    def on_flush(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        self.on_worker_report(msg.node_id, {REPORT_KEY: msg.data})

    def flush(self, environment: Environment) -> None:
        """Worker: send everything recorded so far to the master now."""
        rt = runtime.current_or_none()
        runner = environment.runner
        if rt is not None and isinstance(runner, WorkerRunner):
            runner.send_message(FLUSH_MESSAGE, rt.recorder.drain().encode())

    # --- the watcher (master or local) ----------------------------------------------------------------

    def _drain_local(self, environment: Environment) -> None:
        rt = runtime.current_or_none()
        if self.monitor is not None and rt is not None and not isinstance(environment.runner, MasterRunner):
            self.monitor.add(rt.recorder.drain())

    def watch(self, environment: Environment) -> None:
        rt, monitor, runner = runtime.current(), self.monitor, environment.runner
        assert monitor is not None
        assert runner is not None
        next_point = TIMELINE_S
        while True:
            gevent.sleep(WATCH_S)
            t, phase, users = rt.elapsed(), rt.phase_at(), runner.user_count
            self._drain_local(environment)
            if t < rt.shape.duration_s:  # past the end, Locust is stopping its users
                monitor.sample_users(phase, users)
                self._sample_cpu(rt, "master" if isinstance(runner, MasterRunner) else "local",
                                 time.time(), _own_cpu_s())  # fmt: skip
            if t >= next_point:
                monitor.timeline_point(t, phase, users)
                next_point += TIMELINE_S
                self.write(final=False)
            else:
                self.write_live()
            reason = monitor.verdict()
            if reason is not None:
                log.warning("cuaso drill: %s", reason)
                self.write(final=False)
                gevent.spawn(runner.quit)
                return

    def write_live(self) -> None:
        if self._out is not None and self.monitor is not None:
            write_json(self._out / LIVE_FILE, self.monitor.live(runtime.current().elapsed()))

    def write(self, final: bool) -> None:
        if self._out is None or self.monitor is None:
            return
        t = runtime.current().elapsed()
        write_json(self._out / LIVE_FILE, self.monitor.live(t))
        write_json(self._out / OUTPUT_FILE, self.monitor.output(final))

    # --- end ------------------------------------------------------------------------------------------

    def on_test_stop(self, environment: Environment, **_kw: Any) -> None:
        self.stop_helpers()
        rt = runtime.current_or_none()
        if self.monitor is not None and rt is not None and self.monitor.ended_s is None:
            self.monitor.ended_s = rt.elapsed()

    def on_quit(self, exit_code: int, **_kw: Any) -> None:
        rt = runtime.current_or_none()
        if self.monitor is None or rt is None:
            return
        if self._watcher is not None:
            self._watcher.kill(block=False)
        monitor = self.monitor
        monitor.add(rt.recorder.drain())  # a local run's last requests (nothing on a master)
        if monitor.ended_s is None:
            monitor.ended_s = rt.elapsed()
        last = monitor.timeline[-1] if monitor.timeline else {"t_s": 0.0, "users": 0}
        if monitor.ended_s > last["t_s"]:
            monitor.timeline_point(monitor.ended_s, rt.phase_at(rt.t0 + monitor.ended_s), int(last["users"]))
        self.write(final=True)
