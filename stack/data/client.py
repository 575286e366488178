"""The Redis client of a worker, and timing of every data-layer operation for /metrics."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias
from urllib.parse import urlsplit

import redis
from prometheus_client import Histogram
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.cluster import ClusterNode as SyncClusterNode

from stack.settings import StackSettings

RedisClient: TypeAlias = "Redis | RedisCluster"
BLOCKING_TIMEOUT_S = 10.0
"""Socket timeout of a blocking client (assumption: an audit's reads answer far faster)."""

REDIS_SECONDS = Histogram(
    "cuaso_redis_command_duration_seconds",
    "Latency of data-layer operations against Redis (one operation may be a pipeline or a script).",
    ["op"],
    buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


def startup_nodes(url: str) -> list[ClusterNode]:
    """``redis://host:port,host:port/0``'s nodes: a cluster client starts from any one that answers."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    nodes = []
    for item in netloc.split(","):
        host, _, port = item.rpartition(":")
        nodes.append(ClusterNode(host or "127.0.0.1", int(port or 6379)))
    return nodes


def make_client(settings: StackSettings) -> RedisClient:
    if settings.redis_cluster:
        return RedisCluster(
            startup_nodes=startup_nodes(settings.redis_url),
            socket_timeout=settings.redis_timeout_s,
            socket_connect_timeout=settings.redis_timeout_s,
            max_connections=settings.redis_max_connections,
        )
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        max_connections=settings.redis_max_connections,
    )


@asynccontextmanager
async def timed(op: str) -> AsyncIterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        REDIS_SECONDS.labels(op).observe(time.perf_counter() - start)


def blocking_client(url: str, cluster: bool) -> redis.Redis | redis.RedisCluster:
    """A blocking client of the store (audits, reconciliation, tests): a cluster client from every node of
    ``redis://host:port,host:port/0`` when ``cluster``."""
    if not cluster:
        return redis.Redis.from_url(url, socket_timeout=BLOCKING_TIMEOUT_S)
    nodes = [SyncClusterNode(n.host, n.port) for n in startup_nodes(url)]  # type: ignore[no-untyped-call]
    return redis.RedisCluster(startup_nodes=nodes, socket_timeout=BLOCKING_TIMEOUT_S)
