"""``make bench``: requests/s per worker core of the portal's endpoints, as ratios to ``/healthz``,
measured side by side in one run with wrk against one uvicorn worker.

Per-core throughput is requests completed divided by the CPU seconds the worker processes used
(psutil), which cancels most of the noise of a shared machine; each endpoint is measured ``--repeats``
times, interleaved, and the median is printed. A bare FastAPI endpoint (no middleware, no Redis) is
measured alongside, so the stack's own overhead shows as a ratio too.

Usage: python -m stack.bench [--seconds 5] [--repeats 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import psutil
from fastapi import FastAPI

from cuaso.exceptions import MissingDependencyError
from stack.launcher import PY, LocalStack, SimFaults, StackOptions
from stack.process import ManagedProcess, free_port

bare_app = FastAPI()


@bare_app.get("/healthz")
async def bare_healthz() -> dict[str, str]:
    return {"status": "ok"}


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    path: str
    method: str = "GET"
    body: bytes = b""
    auth: bool = False
    bare: bool = False


def _tree_cpu(pid: int) -> float:
    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


def _wrk(url: str, seconds: float, connections: int, script: Path | None) -> int:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", url]
    if script is not None:
        argv += ["-s", str(script)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+) requests in", out)
    if match is None:
        raise RuntimeError(f"unexpected wrk output: {out}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses during the benchmark")
    return int(match.group(1))


def _script(tmp: Path, target: Target, token: str) -> Path:
    lines = [f'wrk.method = "{target.method}"']
    if target.body:
        lines.append(f"wrk.body = [[{target.body.decode()}]]")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    if target.auth:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    path = tmp / f"{target.name.replace(' ', '_').replace('/', '_')}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.bench", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--appendfsync", choices=("always", "everysec", "no"), default="everysec")
    parser.add_argument("--only", default="", help="measure only endpoints whose name contains this")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise MissingDependencyError("wrk is not on PATH: 'apt-get install wrk' (make bench does it as root)")

    options = StackOptions(
        port=0, workers=1, eid=SimFaults(), population=SimFaults(), appendfsync=args.appendfsync
    )
    bare_port = free_port()
    bare = ManagedProcess(
        "bare",
        [PY, "-m", "uvicorn", "stack.bench:bare_app", "--port", str(bare_port), "--workers", "1",
         "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        ready_url=f"http://127.0.0.1:{bare_port}/healthz",
    )  # fmt: skip
    with LocalStack(options) as stack, bare, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        http = httpx.Client(base_url=stack.url, timeout=10)
        from cuaso.walk import Walk

        walk = Walk(stack.url, say=lambda _m: None)
        token = walk.login("079000000001")
        auth = {"Authorization": f"Bearer {token}"}
        proc_id = http.get("/api/v1/procedures", params={"limit": 1}).json()["items"][0]["id"]
        body = orjson.dumps({"procedure_id": proc_id, "province_code": "P01", "form": {"a": "b"}})
        code = http.post(
            "/api/v1/dossiers", content=body, headers={**auth, "Content-Type": "application/json"}
        )
        code_s = code.json()["code"]
        http.get("/api/v1/me/profile", headers=auth)  # warm the profile cache
        targets = [
            Target("/healthz (bare FastAPI)", "/healthz", bare=True),
            Target("/healthz", "/healthz"),
            Target("catalogue search", "/api/v1/procedures?q=giay%20phep&limit=20"),
            Target("procedure detail", f"/api/v1/procedures/{proc_id}"),
            Target("public status lookup", f"/api/v1/public/dossiers/{code_s}/status"),
            Target("auto-fill profile (cached)", "/api/v1/me/profile", auth=True),
            Target("login start (302)", "/api/v1/auth/login?login_hint=079000000002"),
            Target("dossier create", "/api/v1/dossiers", method="POST", body=body, auth=True),
        ]
        keep = {"/healthz"}
        targets = [t for t in targets if args.only in t.name or t.name in keep]
        portal_pid = stack.processes["portal"].pid
        assert portal_pid is not None
        assert bare.pid is not None
        per_core: dict[str, list[float]] = {t.name: [] for t in targets}
        per_s: dict[str, list[float]] = {t.name: [] for t in targets}
        for rep in range(args.repeats):
            for t in targets:
                base = f"http://127.0.0.1:{bare_port}" if t.bare else stack.url
                pid = bare.pid if t.bare else portal_pid
                cpu0 = _tree_cpu(pid)
                n = _wrk(base + t.path, args.seconds, args.connections, _script(tmp, t, token))
                cpu = _tree_cpu(pid) - cpu0
                per_core[t.name].append(n / cpu if cpu > 0 else float("nan"))
                per_s[t.name].append(n / args.seconds)
            print(f"bench: repeat {rep + 1}/{args.repeats} done", file=sys.stderr, flush=True)
        walk.close()
        http.close()
    ref = statistics.median(per_core["/healthz"])
    print(f"\nrequests/s per worker core (median of {args.repeats}, {args.seconds:.0f} s each, "
          f"wrk -c{args.connections}, 1 uvicorn worker, appendfsync {args.appendfsync})")  # fmt: skip
    print(f"{'endpoint':<30} {'req/s/core':>11} {'req/s':>9} {'vs /healthz':>12}")
    for t in targets:
        med = statistics.median(per_core[t.name])
        print(f"{t.name:<30} {med:>11.0f} {statistics.median(per_s[t.name]):>9.0f} {med / ref:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
