"""The same data-layer code runs on a real 3-shard Redis Cluster: every multi-key script stays in one
slot thanks to the per-citizen hash tag (a cross-slot script would fail with CROSSSLOT)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from redis.asyncio.cluster import RedisCluster

from stack.data import keys
from stack.data.dossiers import Attachment, CreateOutcome, DossierStore, WriteOutcome
from stack.data.sessions import SessionStore
from stack.process import free_port
from stack.redis_server import RedisServer

SHARDS = 3
MAX_CLUSTER_PORT = 55_535  # a cluster node also listens on port + 10000 (its cluster bus)


def _cluster_port() -> int:
    """A free port low enough for the cluster bus port (port + 10000) to exist."""
    for _ in range(1000):
        port = free_port()
        if port <= MAX_CLUSTER_PORT:
            return port
    raise RuntimeError("no free port at or below 55535 for a Redis Cluster node")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RedisServer]]:
    with ExitStack() as stack:
        nodes = []
        for i in range(SHARDS):
            data = tmp_path_factory.mktemp(f"cluster{i}")
            node = RedisServer(
                data,
                port=_cluster_port(),
                extra_args=("--cluster-enabled", "yes", "--cluster-config-file", str(data / "nodes.conf")),
            )
            nodes.append(stack.enter_context(node))
        cli = shutil.which("redis-cli")
        assert cli is not None, "redis-cli comes with redis-server (scripts/bootstrap.sh installs it)"
        addrs = [f"127.0.0.1:{n.port}" for n in nodes]
        subprocess.run([cli, "--cluster", "create", *addrs, "--cluster-replicas", "0", "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            info = subprocess.run([cli, "-p", str(nodes[0].port), "cluster", "info"],
                                  capture_output=True, text=True, timeout=10).stdout  # fmt: skip
            if "cluster_state:ok" in info:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"cluster did not become ready: {info}")
        yield nodes


def test_dossier_scripts_and_sessions_run_on_redis_cluster(cluster: list[RedisServer]) -> None:
    async def scenario() -> set[int]:
        redis = RedisCluster.from_url(f"redis://127.0.0.1:{cluster[0].port}/0")
        store = DossierStore(redis, idempotency_ttl_s=60)
        sessions = SessionStore(redis, ttl_s=60)
        used_nodes: set[int] = set()
        for i in range(24):  # citizens spread over all shards
            cid = f"0790000{i:05d}"
            outcome, code = await store.create(cid, "1.000001", "P01", 1000, {"i": i}, f"key-{i}")
            assert outcome is CreateOutcome.CREATED
            assert (await store.create(cid, "1.000001", "P01", 1000, {"i": i}, f"key-{i}")) == (
                CreateOutcome.REPLAYED, code,
            )  # fmt: skip
            assert await store.attach(cid, code, Attachment("a.pdf", "ab" * 32, 1), 5) is WriteOutcome.OK
            assert await store.submit(cid, code) is WriteOutcome.OK
            dossier = await store.get(code)
            assert dossier is not None
            assert dossier.status == "submitted"
            assert await store.list_codes(cid, 10, 0) == (1, [code])
            session = await sessions.create(cid, "acr")
            assert (await sessions.get(session.token)) is not None
            node = redis.get_node_from_key(keys.dossier(code, keys.citizen_tag(cid)))
            assert node is not None
            used_nodes.add(int(node.port))
        await redis.aclose()
        return used_nodes

    used = asyncio.run(scenario())
    assert len(used) == SHARDS, f"the citizens' data landed on {len(used)} of {SHARDS} shards"
