"""``make bench``'s cost of acknowledging only replicated writes: dossier create on a Redis Cluster with a
replica per primary in the other site, by two uvicorn workers on the same cluster measured side by side
with wrk: one acknowledging after the primary's write (``CUASO_REDIS_WAIT_REPLICAS=0``), one after a
replica confirmed it (``WAIT 1``, what the multi-node topology runs; docs/durability.md).

Per-core throughput is requests divided by the worker's CPU seconds (psutil); each row is measured
``--repeats`` times, interleaved, and the median printed with wrk's p50 and p99.

Usage: python -m bench.replicated [--seconds 5] [--repeats 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import orjson

from bench.portal import Target, _script, _tree_cpu, requests_in
from results.exceptions import MissingDependencyError
from stack.launcher import PY, LocalStack, SimFaults, StackOptions
from stack.process import ManagedProcess, free_port
from stack.topology.spec import Topology

ROWS = ("dossier create, no WAIT", "dossier create, WAIT 1")
_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)$", re.M)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def latency_ms(wrk_output: str) -> dict[str, float]:
    """wrk ``--latency``'s p50 and p99 in ms."""
    return {f"p{m[1]}": float(m[2]) * _UNIT_MS[m[3]] for m in _LATENCY.finditer(wrk_output)}


def _worker(stack: LocalStack, wait: int) -> ManagedProcess:
    assert stack.topology is not None
    port = free_port()
    env = stack.topology.node_env(1) | {"CUASO_REDIS_WAIT_REPLICAS": str(wait)}
    env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cuaso-bench-metrics-")
    return ManagedProcess(
        f"bench-wait-{wait}",
        [PY, "-m", "uvicorn", "stack.app.main:create_app", "--factory", "--port", str(port), "--workers", "1",
         "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        ready_url=f"http://127.0.0.1:{port}/readyz",
        env=env,
        log_path=stack.data_dir / f"bench-wait-{wait}.log",
        ready_timeout=90.0,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicated", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise MissingDependencyError("wrk is not on PATH: 'apt-get install wrk' (make bench does it as root)")
    options = StackOptions(
        port=0, workers=1, eid=SimFaults(), population=SimFaults(), forwarders=0, appendfsync="everysec",
        rate_limit_per_s=0.0, topology=Topology(nodes=2, sites=2, shards=3, forwarders=0),
    )  # fmt: skip
    with contextlib.ExitStack() as stacks:
        stack = stacks.enter_context(LocalStack(options))
        workers = [stacks.enter_context(_worker(stack, wait)) for wait in (0, 1)]
        tmp = Path(stacks.enter_context(tempfile.TemporaryDirectory()))
        _measure(args, stack, workers, tmp)
    return 0


def _measure(args: argparse.Namespace, stack: LocalStack, workers: list[ManagedProcess], tmp: Path) -> None:
    from scenarios.walk import Walk

    walk = Walk(stack.url, say=lambda _m: None)
    token = walk.login("079000000001")
    walk.close()
    with httpx.Client(base_url=stack.url, timeout=10) as http:
        proc_id = http.get("/api/v1/procedures", params={"limit": 1}).json()["items"][0]["id"]
    body = orjson.dumps({"procedure_id": proc_id, "province_code": "P01", "form": {"a": "b"}})
    target = Target("dossier create", "/api/v1/dossiers", method="POST", body=body, auth=True)
    script = _script(tmp, target, token)
    per_core: dict[str, list[float]] = {row: [] for row in ROWS}
    per_s: dict[str, list[float]] = {row: [] for row in ROWS}
    lat: dict[str, list[dict[str, float]]] = {row: [] for row in ROWS}
    for rep in range(args.repeats):
        for row, worker in zip(ROWS, workers, strict=True):
            assert worker.pid is not None
            assert worker.ready_url is not None
            url = worker.ready_url.removesuffix("/readyz") + target.path
            cpu0 = _tree_cpu(worker.pid)
            argv = [
                "wrk",
                "-t1",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "-s",
                str(script),
                url,
            ]
            out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
            n = requests_in(out, url)
            cpu = _tree_cpu(worker.pid) - cpu0
            per_core[row].append(n / cpu if cpu > 0 else float("nan"))
            per_s[row].append(n / args.seconds)
            lat[row].append(latency_ms(out))
        print(f"bench: repeat {rep + 1}/{args.repeats} done", file=sys.stderr, flush=True)
    print(f"\ndossier create on a 3-primary Redis Cluster with a replica each (median of {args.repeats}, "
          f"{args.seconds} s each, wrk -c{args.connections}, 1 uvicorn worker each, "
          "appendfsync everysec)")  # fmt: skip
    print(f"{'row':<26} {'req/s/core':>11} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs no WAIT':>11}")
    ref = statistics.median(per_s[ROWS[0]])
    for row in ROWS:
        p50 = statistics.median(x.get("p50", float("nan")) for x in lat[row])
        p99 = statistics.median(x.get("p99", float("nan")) for x in lat[row])
        rate = statistics.median(per_s[row])
        print(f"{row:<26} {statistics.median(per_core[row]):>11.0f} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} "
              f"{rate / ref:>11.2f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
