"""The multi-node topology: its settings, the balancer's config, the WAIT verdicts (no processes), and a
real 4-node, 2-site stack behind HAProxy on a 3-primary Redis Cluster (slow): a lost node is taken out,
a lost primary is replaced by its replica, and what was acknowledged before is still there."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from results.exceptions import ConfigError
from stack.data import keys
from stack.data.client import startup_nodes
from stack.data.replication import judge, marker_key
from stack.launcher import LocalStack, StackOptions
from stack.topology.haproxy import Backend, render_config
from stack.topology.spec import Topology, parse_topology
from tests.dashboards.conftest import catalogue
from tests.stack.conftest import any_procedure, login, new_citizen_id

WAIT_S = 30.0


def test_parse_topology_names_the_bad_key_and_value() -> None:
    assert parse_topology(None) is None
    assert parse_topology("single") is None
    topo = parse_topology("nodes=4, sites=2, shards=3, workers=2")
    assert topo == Topology(nodes=4, sites=2, shards=3, workers=2)
    with pytest.raises(ConfigError, match="colour"):
        parse_topology("nodes=4,colour=3")
    with pytest.raises(ConfigError, match="shards=2"):
        parse_topology("shards=2")
    with pytest.raises(ConfigError, match="nodes=1"):
        parse_topology("nodes=1,sites=2")
    with pytest.raises(ConfigError, match="'x'"):
        parse_topology("nodes=x")


def test_placement_puts_each_replica_in_another_site() -> None:
    topo = Topology(nodes=4, sites=2, shards=3)
    assert [topo.site_of_node(n) for n in range(1, 5)] == [0, 1, 0, 1]
    assert topo.nodes_of_site(1) == (2, 4)
    assert {topo.node_host(n) for n in range(1, 5)} == {"127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4"}
    for shard in range(1, 4):
        assert topo.primary_site(shard) != topo.replica_site(shard)


def test_balancer_checks_readyz_and_retries_only_refused_connections(tmp_path: Path) -> None:
    cfg = render_config(8000, 8001, tmp_path / "s.sock", [Backend("node-1", "127.0.1.1", 9000)])
    assert "option httpchk GET /readyz" in cfg
    assert "retry-on conn-failure\n" in cfg
    assert "server node-1 127.0.1.1:9000 check" in cfg
    assert "prometheus-exporter" in cfg


def test_wait_verdicts() -> None:
    assert judge(3, 1, [b"master", 10, [[b"127.0.2.2", b"7000", b"10"]]], 1) == "replicated"
    assert judge(3, 0, [b"master", 10, [[b"127.0.2.2", b"7000", b"5"]]], 1) == "refused"
    assert judge(3, 0, [b"master", 10, []], 1) == "single_copy"
    assert judge(-1, 1, [b"master", 10, []], 1) == "refused"
    assert marker_key("d:{AB}:HS-1") == "w:{AB}"
    assert [n.port for n in startup_nodes("redis://127.0.2.1:7000,127.0.2.2:7001/0")] == [7000, 7001]


@pytest.fixture(scope="module")
def topo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    options = StackOptions(
        port=0, workers=1, forwarders=0, appendfsync="always", topology=Topology(nodes=4, sites=2, shards=3),
        data_dir=tmp_path_factory.mktemp("topology"),
    )  # fmt: skip
    with LocalStack(options) as stack:
        yield stack


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"not within {WAIT_S:g} s: {what}")


def _acks(node_urls: list[str], outcome: str) -> float:
    total = 0.0
    for url in node_urls:
        for line in httpx.get(url + "/metrics", trust_env=False).text.splitlines():
            if line.startswith(f'cuaso_replicated_acks_total{{outcome="{outcome}"}}'):
                total += float(line.split()[-1])
    return total


def _submitted_dossier(http: httpx.Client) -> tuple[str, dict[str, str]]:
    auth = login(http, new_citizen_id())
    proc = any_procedure(http)
    r = http.post("/api/v1/dossiers", json={"procedure_id": proc["id"], "province_code": "P01"}, headers=auth)
    assert r.status_code == 201, r.text
    code: str = r.json()["code"]
    r = http.post(f"/api/v1/dossiers/{code}/submit", headers=auth)
    assert r.status_code == 200, r.text
    return code, auth


@pytest.mark.slow
def test_node_loss_is_taken_out_and_primary_loss_keeps_what_was_acknowledged(topo_stack: LocalStack) -> None:
    runtime = topo_stack.topology
    assert runtime is not None
    assert runtime.haproxy is not None
    haproxy = runtime.haproxy
    assert set(haproxy.server_status()) == {"node-1", "node-2", "node-3", "node-4"}
    _until(lambda: all(s == "UP" for s in haproxy.server_status().values()), "every node UP")
    with httpx.Client(base_url=topo_stack.url, timeout=10.0, trust_env=False) as http:
        code, auth = _submitted_dossier(http)
        scraped = http.get(haproxy.metrics_url).text
        for metric in (m["name"] for m in catalogue() if m["source"] == "haproxy"):  # dashboards read
            assert f"\n{metric}{{" in scraped, metric
        assert [t.job for t in runtime.scrape_targets()] == ["cuaso-portal"] * 4 + ["haproxy"]
        assert _acks(runtime.node_urls(), "replicated") >= 2  # the create and the submit waited for a replica

        # A whole node lost: the balancer takes it out and every request still lands on a live node.
        assert runtime.kill_node(1)
        _until(lambda: haproxy.server_status()["node-1"].startswith("DOWN"), "node-1 DOWN at the balancer")
        assert all(http.get("/readyz").status_code == 200 for _ in range(8))

        # The primary holding the dossier lost: its replica (other site) is promoted, the dossier is there.
        tag = keys.tag_of_code(code)
        assert tag is not None
        primary = runtime.cluster.holding(keys.dossier(code, tag))
        replica = next(n for n in runtime.cluster.nodes if n.shard == primary.shard and n is not primary)
        assert replica.site != primary.site
        runtime.kill_redis(primary)
        _until(lambda: replica.role() == "master", f"{replica.name} promoted")
        _until(lambda: http.get(f"/api/v1/dossiers/{code}", headers=auth).status_code == 200, "dossier read")
        assert http.get(f"/api/v1/dossiers/{code}", headers=auth).json()["status"] != "draft"  # submitted+

        # Writes go on; the shard without a replica acknowledges on its primary's fsync'd AOF alone.
        _submitted_dossier(http)

        # Both come back: the node is UP again, the old primary rejoins as a replica.
        runtime.restart_redis(primary)
        _until(lambda: primary.role() == "slave", f"{primary.name} rejoined as a replica")
        runtime.restart_node(1)
        _until(lambda: haproxy.server_status()["node-1"] == "UP", "node-1 UP again")
        assert runtime.drain_node(2) == ""
        _until(lambda: haproxy.server_status()["node-2"] == "DRAIN", "node-2 draining")
