"""``make bench``, third part: how long a burst of new connections waits to be accepted by a busy worker,
on uvloop and on asyncio, side by side in one run.

Each loop gets its own stack: one uvicorn worker whose API requests burn ``--cpu-ms`` of CPU (a busy,
CPU-bound worker, as in ``cuaso overload``), admission control as there (its MAX_IN_FLIGHT and QUEUE). A
steady load of ``--base`` keep-alive clients (one request per second each) keeps it busy; then ``--burst``
new clients connect at once and each sends the same request. Printed per loop: the latency of the first
answer on a new connection (accept wait included; admitted or refused with 503, both answers) and of the
answers after it on the same connection.

Why: libuv, under uvloop, accepts one connection per turn of the event loop (libuv pull request 3696,
2022), and a turn of a CPU-bound worker lasts as long as the work that was ready, so the last of a burst
waits for hundreds of turns. asyncio accepts up to the listen backlog per turn. docs/overload.md, "New
connections during a spike", has the figures.

Usage: python -m bench.accept [--base 120] [--burst 476] [--cpu-ms 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field

from results.histogram import LatencyHistogram
from scenarios.overload import CPU_MS, MAX_IN_FLIGHT, QUEUE
from stack.launcher import EVENT_LOOPS, LocalStack, StackOptions

PATH = "/api/v1/procedures?q=giay&limit=20"
REQUESTS_PER_CLIENT = 5  # the first on a new connection, then four on the same one, a second apart


@dataclass
class Latencies:
    """Answers' latencies, first on its connection or not; how many of the first were admitted (200)."""

    first: LatencyHistogram = field(default_factory=LatencyHistogram)
    later: LatencyHistogram = field(default_factory=LatencyHistogram)
    first_admitted: int = 0


async def _client(host: str, port: int, requests: int, out: Latencies | None) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for i in range(requests):
            start = time.perf_counter()
            writer.write(f"GET {PATH} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            elapsed_ms = 1000.0 * (time.perf_counter() - start)
            if out is not None:
                (out.first if i == 0 else out.later).record_ms(elapsed_ms)
                out.first_admitted += i == 0 and head.split(b" ", 2)[1] == b"200"
            await asyncio.sleep(1.0)
    finally:
        writer.close()


async def _burst(url: str, base: int, burst: int) -> Latencies:
    host, port_text = url.removeprefix("http://").rsplit(":", 1)
    port = int(port_text)
    background = [asyncio.create_task(_client(host, port, 3600, None)) for _ in range(base)]
    await asyncio.sleep(5.0)  # the steady load settles
    out = Latencies()
    await asyncio.gather(*(_client(host, port, REQUESTS_PER_CLIENT, out) for _ in range(burst)))
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.accept", description=__doc__)
    parser.add_argument("--base", type=int, default=120, help="keep-alive clients before the burst (120)")
    parser.add_argument("--burst", type=int, default=476, help="new clients connecting at once (476)")
    parser.add_argument("--cpu-ms", type=float, default=CPU_MS, help=f"CPU per API request ({CPU_MS:g})")
    args = parser.parse_args(argv)
    for flag in ("base", "burst", "cpu_ms"):
        if not getattr(args, flag) > 0:
            parser.error(f"--{flag.replace('_', '-')}={getattr(args, flag)!r}: must be > 0")
    rows = []
    for loop in EVENT_LOOPS:
        options = StackOptions(
            port=0, workers=1, inject_cpu_ms=args.cpu_ms, admission=True, max_in_flight=MAX_IN_FLIGHT,
            admission_queue=QUEUE, rate_limit_per_s=0.0, forwarders=0, feedback_answers=False, loop=loop,
        )  # fmt: skip
        print(f"bench_accept: {loop}: {args.base} clients, then {args.burst} new ones", file=sys.stderr)
        with LocalStack(options) as stack:
            got = asyncio.run(_burst(stack.url, args.base, args.burst))
        rows.append((loop, got))
    print(f"\n{args.burst} new clients against a busy worker ({args.cpu_ms:g} ms CPU per request, "
          f"{args.base} clients already connected): time to an answer (200 or 503), ms")  # fmt: skip
    print(
        f"{'loop':<8} {'first p50':>10} {'first p99':>10} {'first max':>10} {'admitted':>9} {'later p99':>10}"
    )
    for loop, got in rows:
        first, later = got.first, got.later
        print(
            f"{loop:<8} {first.percentile_ms(50):>10.0f} {first.percentile_ms(99):>10.0f} "
            f"{first.max_ms():>10.0f} {got.first_admitted:>9} {later.percentile_ms(99):>10.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
