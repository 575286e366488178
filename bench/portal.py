"""``make bench``: requests/s per worker core of the portal's endpoints, as ratios to ``/healthz``,
measured side by side in one run with wrk against one uvicorn worker.

Per-core throughput is requests completed divided by the CPU seconds the worker processes used
(psutil), which cancels most of the noise of a shared machine; each endpoint is measured ``--repeats``
times, interleaved, and the median is printed. A bare FastAPI endpoint (no middleware, no Redis) is
measured alongside, so the stack's own overhead shows as a ratio too. So is the cost of a refusal: a
second stack whose one admission slot is held (``--max-in-flight 1``, no queue) answers every API
request with admission control's ``503`` (docs/overload.md), which says how many refusals a worker core
absorbs when clients ignore ``Retry-After``.

Usage: python -m bench.portal [--seconds 5] [--repeats 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import psutil
from fastapi import FastAPI

from results.exceptions import MissingDependencyError
from stack.launcher import EVENT_LOOPS, PY, LocalStack, SimFaults, StackOptions
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
    refused: bool = False  # on the refusing stack: every answer must be admission control's 503


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


def _wrk(url: str, seconds: float, connections: int, script: Path | None, *, refused: bool = False) -> int:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", url]
    if script is not None:
        argv += ["-s", str(script)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return requests_in(out, url, refused=refused)


def requests_in(wrk_output: str, url: str, *, refused: bool = False) -> int:
    """Requests wrk completed; every one must have been answered 2xx/3xx, or, for a ``refused`` target,
    none (admission control's 503s: wrk counts them as "Non-2xx")."""
    match = re.search(r"(\d+) requests in", wrk_output)
    if match is None:
        raise RuntimeError(f"unexpected wrk output: {wrk_output}")
    total = int(match.group(1))
    found = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk_output)
    non2xx = int(found.group(1)) if found else 0
    if refused and non2xx != total:
        raise RuntimeError(f"{url}: {total - non2xx} of {total} requests were admitted; expected refusals")
    if not refused and non2xx:
        raise RuntimeError(f"{url}: {non2xx} error responses during the benchmark")
    return total


REFUSAL_ROW = "503 refusal (admission)"
"""The row measured on the refusing stack, which only runs when ``--only`` selects it."""

# The refusing stack: one admission slot, no queue, and every API request held for 10 minutes by an
# injected delay, so that once one request holds the slot every other one is refused at once.
REFUSING = StackOptions(
    port=0, workers=1, eid=SimFaults(), population=SimFaults(), forwarders=0, feedback_answers=False,
    admission=True, max_in_flight=1, admission_queue=0, inject_delay_ms=600_000.0,
)  # fmt: skip


@contextlib.contextmanager
def _slot_held(url: str, path: str) -> Iterator[None]:
    """Holds the refusing stack's one admission slot with a request that is never answered in time."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as holder:
        holder.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        with httpx.Client(base_url=url, timeout=5) as probe:
            for _ in range(100):
                if probe.get(path).status_code == 503:
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError(f"{url}{path}: the held request never took the admission slot")
        yield


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
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--appendfsync", choices=("always", "everysec", "no"), default="everysec")
    parser.add_argument("--only", default="", help="measure only endpoints whose name contains this")
    parser.add_argument("--loop", choices=EVENT_LOOPS, default="uvloop", help="uvicorn's event loop")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise MissingDependencyError("wrk is not on PATH: 'apt-get install wrk' (make bench does it as root)")

    options = StackOptions(
        port=0,
        workers=1,
        eid=SimFaults(),
        population=SimFaults(),
        appendfsync=args.appendfsync,
        loop=args.loop,
        rate_limit_per_s=0.0,  # one citizen's token at wrk's rate: the per-citizen limit would answer 429s
    )
    bare_port = free_port()
    bare = ManagedProcess(
        "bare",
        [PY, "-m", "uvicorn", "bench.portal:bare_app", "--port", str(bare_port), "--workers", "1",
         "--loop", args.loop, "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        ready_url=f"http://127.0.0.1:{bare_port}/healthz",
    )  # fmt: skip
    refusing_wanted = args.only in REFUSAL_ROW
    with contextlib.ExitStack() as stacks:
        stack = stacks.enter_context(LocalStack(options))
        stacks.enter_context(bare)
        tmp = Path(stacks.enter_context(tempfile.TemporaryDirectory()))
        refusing_options = dataclasses.replace(REFUSING, loop=args.loop)
        refusing = stacks.enter_context(LocalStack(refusing_options)) if refusing_wanted else None
        _measure(args, stack, bare_port, bare, refusing, tmp)
    return 0


def _measure(
    args: argparse.Namespace,
    stack: LocalStack,
    bare_port: int,
    bare: ManagedProcess,
    refusing: LocalStack | None,
    tmp: Path,
) -> None:
    http = httpx.Client(base_url=stack.url, timeout=10)
    from scenarios.walk import Walk

    walk = Walk(stack.url, say=lambda _m: None)
    token = walk.login("079000000001")
    auth = {"Authorization": f"Bearer {token}"}
    proc_id = http.get("/api/v1/procedures", params={"limit": 1}).json()["items"][0]["id"]
    body = orjson.dumps({"procedure_id": proc_id, "province_code": "P01", "form": {"a": "b"}})
    code = http.post("/api/v1/dossiers", content=body, headers={**auth, "Content-Type": "application/json"})
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
        Target(REFUSAL_ROW, f"/api/v1/procedures/{proc_id}", refused=True),
    ]
    keep = {"/healthz", "/healthz (bare FastAPI)"}  # the references every ratio is read against
    targets = [t for t in targets if args.only in t.name or t.name in keep]
    pids = {"bare": bare.pid, "portal": stack.processes["portal"].pid}
    urls = {"bare": f"http://127.0.0.1:{bare_port}", "portal": stack.url}
    if refusing is not None:
        pids["refusing"] = refusing.processes["portal"].pid
        urls["refusing"] = refusing.url
    per_core: dict[str, list[float]] = {t.name: [] for t in targets}
    per_s: dict[str, list[float]] = {t.name: [] for t in targets}
    with contextlib.ExitStack() as held:
        if refusing is not None:
            held.enter_context(_slot_held(refusing.url, f"/api/v1/procedures/{proc_id}"))
        for rep in range(args.repeats):
            for t in targets:
                which = "bare" if t.bare else "refusing" if t.refused else "portal"
                pid = pids[which]
                assert pid is not None
                cpu0 = _tree_cpu(pid)
                script = _script(tmp, t, token)
                n = _wrk(urls[which] + t.path, args.seconds, args.connections, script, refused=t.refused)
                cpu = _tree_cpu(pid) - cpu0
                per_core[t.name].append(n / cpu if cpu > 0 else float("nan"))
                per_s[t.name].append(n / args.seconds)
            print(f"bench: repeat {rep + 1}/{args.repeats} done", file=sys.stderr, flush=True)
    walk.close()
    http.close()
    ref = statistics.median(per_core["/healthz"])
    print(f"\nrequests/s per worker core (median of {args.repeats}, {args.seconds:.0f} s each, "
          f"wrk -c{args.connections}, 1 uvicorn worker on {args.loop}, "
          f"appendfsync {args.appendfsync})")  # fmt: skip
    print(f"{'endpoint':<30} {'req/s/core':>11} {'req/s':>9} {'vs /healthz':>12}")
    for t in targets:
        med = statistics.median(per_core[t.name])
        print(f"{t.name:<30} {med:>11.0f} {statistics.median(per_s[t.name]):>9.0f} {med / ref:>12.2f}")


if __name__ == "__main__":
    sys.exit(main())
