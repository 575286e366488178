"""A portal that is not ours: the reference stack started on its own (not by a drill), watched by a real
Prometheus scraping a real process-exporter (Debian's packages), drilled and swept with ``--host``; the
sweep's resources per tier come from Prometheus, and ``cuaso size`` sizes it as it sizes a local one.
A drill runs the user's own Locust file (``--locustfile``) with workers, and a redirect of that file's
users to a host nobody allowed is refused, unsent."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cuaso.cli import main
from results.document import load_results
from results.exceptions import ConfigError
from results.histogram import LatencyHistogram
from scenarios.drill.prom_resources import PrometheusResources, ResourceQueryError, TierQueries
from stack.launcher import LocalStack, SimFaults, StackOptions
from stack.process import ManagedProcess, free_port
from stack.prometheus import PrometheusServer, ScrapeTarget
from tests.scenarios.proxy_world import FORBIDDEN, PORTAL, proxy_world
from tests.scenarios.test_journeys import fixed_mix, write_mix
from tests.scenarios.test_user_file import EXAMPLE

EXPORTER = "prometheus-process-exporter"
SCRAPE_S = 1.0


def test_tier_queries_come_from_presets_or_are_written_out() -> None:
    app = TierQueries.from_table("app", {"process_exporter": "app"})
    assert 'groupname="app"' in app.cpu_cores
    assert "{window}" in app.cpu_cores
    assert "[{window}:{step}]" in app.rss_bytes  # a subquery's step: not the server's evaluation interval
    assert "num_procs" in str(app.processes)
    redis = TierQueries.from_table("redis", {"cadvisor": 'container="redis"', "processes": "vector(3)"})
    assert 'container_cpu_usage_seconds_total{container="redis"}[{window}]' in redis.cpu_cores
    assert redis.processes == "vector(3)"
    own = TierQueries.from_table(
        "fwd", {"cpu_cores": "sum(rate(c[{window}]))", "rss_bytes": "max(m)[{window}:]"}
    )
    assert own.processes is None
    with pytest.raises(ConfigError, match=r"\[resources.tiers.fwd\] cpu_cores.*missing"):
        TierQueries.from_table("fwd", {"rss_bytes": "m[{window}]"})
    with pytest.raises(ConfigError, match=r"\[resources.tiers.fwd\] cpu_cores='sum\(c\)'.*needs \{window\}"):
        TierQueries.from_table("fwd", {"cpu_cores": "sum(c)", "rss_bytes": "m[{window}]"})
    with pytest.raises(ConfigError, match=r"\[resources.tiers.app\] cpu.*known keys"):
        TierQueries.from_table("app", {"cpu": "x"})
    assert PrometheusResources.from_table({}) is None
    with pytest.raises(ConfigError, match="tiers given but no Prometheus URL"):
        PrometheusResources.from_table({"tiers": {"app": {"process_exporter": "app"}}})


@pytest.fixture(scope="module")
def foreign_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The reference stack started as someone else's system would be: not by cuaso's drill."""
    options = StackOptions(
        port=0, workers=2, forwarders=1, data_dir=tmp_path_factory.mktemp("foreign"),
        eid=SimFaults(latency_ms=1.0), population=SimFaults(latency_ms=1.0),
    )  # fmt: skip
    with LocalStack(options) as stack:
        yield stack


@pytest.fixture(scope="module")
def monitoring(foreign_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """process-exporter grouping the stack's processes into tiers, and Prometheus scraping it; the URL."""
    if shutil.which(EXPORTER) is None:
        pytest.fail(f"{EXPORTER} is not installed: scripts/bootstrap.sh {EXPORTER} (make test installs it)")
    run = tmp_path_factory.mktemp("monitoring")
    redis_port = urlsplit(foreign_stack.redis_url).port
    config = run / "process-exporter.yml"
    config.write_text(
        json.dumps(
            {
                "process_names": [
                    {"name": "app", "cmdline": [rf"stack\.app\.main.*--port {foreign_stack.port}( |$)"]},
                    {"name": "redis", "cmdline": [rf"redis-server .*:{redis_port}( |$)"]},
                ]
            }
        ),
        encoding="utf-8",
    )
    port = free_port()
    exporter = ManagedProcess(
        "process-exporter",
        [EXPORTER, f"-config.path={config}", f"-web.listen-address=127.0.0.1:{port}", "-threads=false"],
        ready_url=f"http://127.0.0.1:{port}/metrics",
        log_path=run / "process-exporter.log",
    )
    exporter.start()
    exporter.wait_ready()
    targets = [
        ScrapeTarget("process", f"127.0.0.1:{port}"),
        ScrapeTarget.from_url("cuaso-portal", foreign_stack.url),
    ]
    try:
        with PrometheusServer(run / "prometheus", targets, scrape_interval_s=SCRAPE_S) as prometheus:
            yield prometheus.url
    finally:
        exporter.stop()


def _project(path: Path, prometheus: str) -> Path:
    path.write_text(
        f'[resources]\nprometheus = "{prometheus}"\nscrape_interval_s = {SCRAPE_S}\n'
        '[resources.tiers.app]\nprocess_exporter = "app"\n'
        '[resources.tiers.redis]\nprocess_exporter = "redis"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_a_sweep_of_a_foreign_portal_is_sized_from_prometheus(
    foreign_stack: LocalStack, monitoring: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mix = write_mix(tmp_path / "mix.json", fixed_mix())
    project = _project(tmp_path / "cuaso.toml", monitoring)
    out = tmp_path / "sweep"
    code = main([
        "--project", str(project), "sweep", "--host", foreign_stack.url, "--levels", "1,2,4,6",
        "--warmup", "2", "--steady", "5", "--repeats", "2", "--mix", str(mix), "--out", str(out),
    ])  # fmt: skip
    printed, errors = capsys.readouterr()
    assert code == 0, printed + errors
    assert f"resources: per phase from {monitoring} (2 tiers)" in printed
    doc = load_results(out / "results.json")
    assert not doc.run.local_stack
    for phase in (p for p in doc.phases if p.name.startswith("level-")):
        kinds = {r.kind: r for r in phase.resources}
        assert set(kinds) == {"app", "redis"}, phase.name
        app = kinds["app"]
        assert app.processes >= 3  # the uvicorn master, its 2 workers (+ a resource tracker): children count
        assert 0 < app.cpu_cores_mean <= 2.5  # this machine's 2 cores, with rate()'s extrapolation
        assert app.cpu_seconds == pytest.approx(app.cpu_cores_mean * phase.duration_s, rel=0.2)
        assert kinds["redis"].rss_bytes_max > 1_000_000
    code = main(["size", str(out / "results.json"), "--allow-invalid", "--out", str(tmp_path / "sizing")])
    printed = capsys.readouterr().out
    assert code in (0, 3), printed  # sized (3: beyond the validated range of so short a sweep)
    sizing = json.loads((tmp_path / "sizing" / "sizing.json").read_text())
    demands = [level["cpu_s_per_request"] for level in sizing["measured"]["levels"]]
    assert demands
    assert all(d["app"] > 0 and d["redis"] > 0 for d in demands)


def test_a_prometheus_without_the_tier_says_so(monitoring: str) -> None:
    source = PrometheusResources(
        monitoring, (TierQueries.from_table("app", {"process_exporter": "no-such-group"}),), SCRAPE_S
    )
    with pytest.raises(ResourceQueryError, match=r"tier app: no data for .*no-such-group"):
        source.resources(time.time() - 5.0, time.time())


@pytest.mark.slow
def test_your_own_locustfile_is_drilled_the_cuaso_way_on_workers(
    foreign_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "drill"
    code = main([
        "drill", "steady", "--host", foreign_stack.url, "--locustfile", str(EXAMPLE), "--workers", "2",
        "--users", "8", "--duration", "16", "--param", "ramp_s=2", "--think-scale", "0.2", "--out", str(out),
        "--slo", "error_rate(run) < 1%", "--slo", "p95(GET /api/v1/procedures) < 0.001ms",  # met, breached
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 1, printed  # a breached SLO fails the drill; the run itself is valid (else exit 2)
    assert "FAIL: 1 of 2 SLOs met" in printed
    assert "BREACHED p95 of GET /api/v1/procedures < 0" in printed
    assert f"locustfile: {EXAMPLE}" in printed
    doc = load_results(out / "results.json")
    assert doc.run.workers == 2
    source = doc.run.mix["locustfile"]
    assert (source["path"], source["sha256"]) == (
        str(EXAMPLE),
        hashlib.sha256(EXAMPLE.read_bytes()).hexdigest(),
    )
    assert [(u["name"], u["weight"]) for u in source["users"]] == [
        ("CatalogueReader", 3.0),
        ("StatisticsReader", 1.0),
    ]
    steady = doc.phase("steady")
    assert {e.name for e in steady.endpoints} == {
        "GET /api/v1/procedures", "GET /api/v1/procedures/{id}", "GET /api/v1/catalogue/facets",
        "GET /api/v1/statistics/provinces", "GET /api/v1/statistics/agencies",
    }  # fmt: skip
    for endpoint in steady.endpoints:
        assert endpoint.failures == 0, endpoint
        assert LatencyHistogram.decode(endpoint.histogram).count == endpoint.requests > 0
    assert steady.journeys == ()
    assert steady.offered.think_time_s is not None
    assert steady.offered.think_time_s > 0.05  # the users' wait_time, recorded as think time
    checks = {c.name: c for c in doc.validity.checks}
    assert checks["littles_law"].ok, checks["littles_law"]


@pytest.mark.slow
def test_a_locustfile_redirected_to_a_host_nobody_allowed_sends_it_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locustfile = Path(__file__).parent / "locustfiles" / "redirected_user.py"
    out = tmp_path / "drill"
    with proxy_world() as world:
        monkeypatch.setenv("CUASO_TEST_PROXY", world.proxy)
        code = main([
            "drill", "steady", "--host", f"http://{PORTAL}", "--allow-host", PORTAL, "--locustfile",
            str(locustfile), "--users", "4", "--duration", "8", "--param", "ramp_s=1", "--out", str(out),
        ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert world.hosts() == {PORTAL}  # the portal was drilled; the host it redirected to got nothing
    doc = load_results(out / "results.json")
    endpoints = {e.name: e for p in doc.phases for e in p.endpoints}
    for name in ("GET /go", "GET /go (fast)"):
        refused = endpoints[name]
        assert refused.requests == refused.failures > 0
        assert {e.kind: e.count for e in refused.errors} == {"not_allowed": refused.failures}
    assert endpoints["GET /ok"].failures == endpoints["GET /ok (fast)"].failures == 0
    assert "requests refused, never sent" in printed
    failures = (out / "locust_failures.csv").read_text()
    assert f"refused: {FORBIDDEN} is not a loopback address and is not allowed" in failures
