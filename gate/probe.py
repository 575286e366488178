"""A calibration probe beside a drill, for drills that do not record ``GET /healthz`` themselves.

``python -m gate.probe OUT [--inject-delay-ms D] -- DRILL_ARGS...`` starts the local stack, sends
``GET /healthz`` at a fixed rate from a thread while ``cuaso drill DRILL_ARGS --host URL --out OUT`` runs
against it, then adds the probe's samples to ``OUT/results.json`` as the endpoint ``GET /healthz`` of
each phase (by wall-clock time: the run's ``started_at`` plus each phase's bounds). The gate can then
calibrate with ``--calibrate "GET /healthz"``: a measurement of machine speed taken in the same run.
The probe is recorded in the document's ``run.stack_settings["calibration_probe"]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from results.document import EndpointStats, ResultsDocument, load_results, save_results
from results.histogram import LatencyHistogram

ENDPOINT = "GET /healthz"
PROBE_RATE_PER_S = 20.0
"""Assumption: 20 probes/s give hundreds of samples in a 30 s phase while adding ~1% to a smoke load."""
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Sample:
    at_s: float  # wall clock (time.time()) when the request was sent
    latency_ms: float
    ok: bool


class Prober:
    """``GET url`` every 1/rate seconds on its own thread until :meth:`stop`."""

    def __init__(self, url: str, rate_per_s: float = PROBE_RATE_PER_S) -> None:
        if not rate_per_s > 0:
            raise ValueError(f"rate_per_s={rate_per_s!r}: must be > 0")
        self.url, self.interval_s = url, 1.0 / rate_per_s
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="calibration-probe", daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=PROBE_TIMEOUT_S + 1.0)

    def _run(self) -> None:
        next_at = time.monotonic()
        with httpx.Client(timeout=PROBE_TIMEOUT_S) as http:
            while not self._stop.is_set():
                at, start = time.time(), time.perf_counter()
                try:
                    ok = http.get(self.url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.samples.append(Sample(at, (time.perf_counter() - start) * 1000.0, ok))
                next_at += self.interval_s
                self._stop.wait(max(0.0, next_at - time.monotonic()))


def merge_probe(doc: ResultsDocument, samples: Sequence[Sample], rate_per_s: float) -> ResultsDocument:
    """``doc`` with each phase's probe samples added as the endpoint ``GET /healthz``."""
    start = datetime.fromisoformat(doc.run.started_at).timestamp()
    phases = []
    for phase in doc.phases:
        if any(e.name == ENDPOINT for e in phase.endpoints):
            raise ValueError(f"phase {phase.name!r}: already records {ENDPOINT!r}; no probe needed")
        inside = [s for s in samples if start + phase.start_s <= s.at_s < start + phase.end_s]
        hist = LatencyHistogram()
        for sample in inside:
            hist.record_ms(sample.latency_ms)
        probe = EndpointStats(
            name=ENDPOINT,
            requests=len(inside),
            failures=sum(1 for s in inside if not s.ok),
            histogram=hist.encode(),
        )
        phases.append(phase.model_copy(update={"endpoints": (*phase.endpoints, probe)}))
    settings = {
        **doc.run.stack_settings,
        "calibration_probe": {"endpoint": ENDPOINT, "rate_per_s": rate_per_s},
    }
    run = doc.run.model_copy(update={"stack_settings": settings})
    return doc.model_copy(update={"phases": tuple(phases), "run": run})


def probed_drill(out: Path, drill_args: Sequence[str], *, inject_delay_ms: float, rate_per_s: float) -> int:
    """Start a stack, probe it while the drill runs, merge; return the drill's exit code."""
    from stack.launcher import LocalStack, StackOptions

    options = StackOptions(port=0, workers=1, inject_delay_ms=inject_delay_ms)
    with LocalStack(options, on_event=lambda m: print(f"stack: {m}", flush=True)) as stack:
        command = [
            sys.executable,
            "-m",
            "cuaso",
            "drill",
            *drill_args,
            "--host",
            stack.url,
            "--out",
            str(out),
        ]
        with Prober(f"{stack.url}/healthz", rate_per_s) as prober:
            code = subprocess.call(command)
        samples = list(prober.samples)
    if code != 0:
        return code
    path = out / "results.json"
    try:
        merged = merge_probe(load_results(path), samples, rate_per_s)
    except ValueError as exc:  # the drill measured the calibration endpoint itself: keep its figures
        print(f"probe: {exc}; the probe's samples are not added", flush=True)
        return 0
    save_results(merged, path)
    print(f"probe: {len(samples)} samples of {ENDPOINT} added to {path}", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gate.probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the drill's output folder")
    parser.add_argument("--inject-delay-ms", type=float, default=0.0, help="the stack's injected delay")
    parser.add_argument("--rate", type=float, default=PROBE_RATE_PER_S, help="probes per second")
    parser.epilog = "After the options: -- and then cuaso drill's arguments (SCENARIO and its options)."
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    drill_args = argv[split + 1 :]
    if not drill_args:
        parser.error("give the drill's arguments after --, e.g. -- steady --users 10 --duration 30")
    return probed_drill(args.out, drill_args, inject_delay_ms=args.inject_delay_ms, rate_per_s=args.rate)


if __name__ == "__main__":
    sys.exit(main())
