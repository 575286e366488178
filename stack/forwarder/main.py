"""Command line of a forwarder process: ``python -m stack.forwarder --name forwarder-1 --metrics-port 9101``.

Settings come from the environment like the portal's (``CUASO_REDIS_URL``, ``CUASO_BACKOFFICE_URL``,
``CUASO_FORWARDER_*``, see :mod:`stack.settings`); the flags name this consumer, its metrics port and,
optionally, the partitions it reads (``--partitions 00-7F``: split the outbox between forwarders, e.g.
one set per Redis Cluster shard). It serves Prometheus metrics on ``http://HOST:PORT/metrics`` once its
consumer groups exist (the launcher's readiness check), and stops on SIGTERM/SIGINT: it stops reading,
gives deliveries in flight a few seconds, and exits 0 (what it still held stays pending in Redis and is
re-read when a forwarder of the same name starts, or claimed by another after the idle time).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

import httpx
from prometheus_client import start_http_server

from stack.catalogue.generate import generate_catalogue
from stack.data import keys
from stack.data.client import make_client
from stack.data.dossiers import DossierStore
from stack.data.outbox import Outbox
from stack.forwarder.backoff import Backoff
from stack.forwarder.delivery import Deliverer
from stack.forwarder.worker import Forwarder, ForwarderConfig
from stack.settings import StackSettings

DEFAULT_METRICS_PORT = 9101
STOP_GRACE_S = 5.0
"""Seconds deliveries in flight get to finish after SIGTERM (assumption: as uvicorn's graceful stop)."""


def parse_partitions(text: str) -> tuple[str, ...]:
    """``"00-7F,C0"`` -> the partition tags it names, in order; ValueError naming the bad part."""
    tags: list[str] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            lo, hi = int(first, 16), int(last or first, 16)
        except ValueError:
            raise ValueError(f"--partitions: {part!r} is not a hex partition or range like 00-7F") from None
        if not 0 <= lo <= hi < keys.PARTITIONS:
            raise ValueError(f"--partitions: {part!r} is outside 00-{keys.PARTITIONS - 1:02X} or reversed")
        tags += [f"{i:02X}" for i in range(lo, hi + 1) if f"{i:02X}" not in tags]
    return tuple(tags)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stack.forwarder",
        description="Deliver submitted dossiers from the outbox to their back-office systems.",
    )
    parser.add_argument(
        "--name", default="forwarder-1", help="consumer name, unique per process (default: %(default)s)"
    )
    parser.add_argument("--metrics-host", default="127.0.0.1", help="metrics address (default: %(default)s)")
    parser.add_argument(
        "--metrics-port", type=int, default=DEFAULT_METRICS_PORT, help="metrics port (default: %(default)s)"
    )
    parser.add_argument("--partitions", default="00-FF", help="partitions to read, hex ranges (default: all)")
    return parser


async def _run(args: argparse.Namespace, settings: StackSettings, tags: tuple[str, ...]) -> None:
    block_s = settings.forwarder_block_ms / 1000
    connections = max(settings.redis_max_connections, settings.forwarder_concurrency + 8)
    redis = make_client(
        settings.model_copy(
            update={
                "redis_timeout_s": max(settings.redis_timeout_s, block_s + 2),  # outlive a blocking read
                "redis_max_connections": connections,  # a delivery each, plus the four loops
            }
        )
    )
    read_mode = "per_partition" if settings.redis_cluster else settings.forwarder_read_mode
    outbox = Outbox(redis, settings.forwarder_group, tags, read_mode)
    catalogue = generate_catalogue(seed=settings.catalogue_seed, size=settings.catalogue_size)
    limits = httpx.Limits(max_connections=settings.forwarder_concurrency)
    config = ForwarderConfig(
        name=args.name,
        concurrency=settings.forwarder_concurrency,
        block_ms=settings.forwarder_block_ms,
        max_attempts=settings.forwarder_max_attempts,
        backoff=Backoff(settings.forwarder_backoff_base_s, settings.forwarder_backoff_max_s),
        claim_idle_s=settings.forwarder_claim_idle_s,
        seed=settings.forwarder_seed,
    )
    async with httpx.AsyncClient(
        timeout=settings.forwarder_timeout_s, limits=limits, trust_env=False
    ) as http:
        deliverer = Deliverer(
            settings.backoffice_url, catalogue, DossierStore(redis, settings.idempotency_ttl_s), http
        )
        forwarder = Forwarder(config, outbox, deliverer)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, forwarder.stop)

        def ready() -> None:
            start_http_server(args.metrics_port, addr=args.metrics_host)
            logging.getLogger("cuaso.forwarder").info(
                "%s: reading %d partitions of %s, metrics on http://%s:%d/metrics",
                args.name, len(tags), settings.redis_url, args.metrics_host, args.metrics_port,
            )  # fmt: skip

        try:
            await forwarder.run(on_ready=ready, grace_s=STOP_GRACE_S)
        finally:
            await redis.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        tags = parse_partitions(args.partitions)
        settings = StackSettings()
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per delivery
    asyncio.run(_run(args, settings, tags))
    return 0


if __name__ == "__main__":
    sys.exit(main())
