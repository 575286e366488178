"""A real Prometheus on 127.0.0.1 watching a running stack, so that a person can follow a drill live.

Prometheus runs with the configuration in ``dashboards/prometheus`` unchanged: :func:`write_run_config`
copies that folder into a run folder and writes ``targets/<job>.json`` there (file-based service
discovery) with the stack's actual addresses. Each Prometheus gets its own data folder and a free port,
never the system-wide server's 9090. When ``prometheus-redis-exporter`` is installed, :class:`StackWatch`
also starts one in front of the stack's Redis, so that the Redis dashboard has the server's own figures;
without it that dashboard shows the portal's timings only. Debian's ``prometheus`` package provides
``prometheus`` and ``promtool``; :func:`require_binary` says how to get them when they are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from results.exceptions import ConfigError, MissingDependencyError
from stack.process import ManagedProcess, free_port

DASHBOARDS_DIR = Path(__file__).resolve().parents[1] / "dashboards"
"""The repository's ``dashboards`` folder: Grafana dashboards, Prometheus configuration and rules."""

PROMETHEUS_CONFIG_DIR = DASHBOARDS_DIR / "prometheus"

JOBS = ("cuaso-portal", "redis", "process", "node", "haproxy")
"""The scrape jobs of ``dashboards/prometheus/prometheus.yml``; each reads ``targets/<job>.json``."""

RETENTION = "2d"
"""How long a watching Prometheus keeps samples (assumption: a drill and its review fit in two days)."""

API_TIMEOUT_S = 10.0
"""Timeout of one request to Prometheus' HTTP API (assumption: local queries answer far faster)."""

PROMTOOL_TIMEOUT_S = 60.0
"""Longest a ``promtool`` run may take (assumption: checking this repository's rules takes a second)."""

_APT = "run scripts/bootstrap.sh as root, or 'sudo apt-get install {package}' on Debian/Ubuntu"
INSTALL_HINTS = {
    "prometheus": "prometheus was not found on PATH: " + _APT.format(package="prometheus"),
    "promtool": "promtool was not found on PATH (Debian's prometheus package provides it): "
    + _APT.format(package="prometheus"),
    "prometheus-redis-exporter": "no redis_exporter on PATH (optional, for the Redis dashboard): "
    + _APT.format(package="prometheus-redis-exporter"),
}
_ALIASES = {"prometheus-redis-exporter": ("prometheus-redis-exporter", "redis_exporter")}


def find_binary(name: str) -> str | None:
    """The path of ``name`` (one of :data:`INSTALL_HINTS`) on PATH, or None."""
    for candidate in _ALIASES.get(name, (name,)):
        path = shutil.which(candidate)
        if path is not None:
            return path
    return None


def require_binary(name: str) -> str:
    """The path of ``name``, or :class:`MissingDependencyError` saying how to install it."""
    path = find_binary(name)
    if path is None:
        raise MissingDependencyError(INSTALL_HINTS.get(name, f"{name} was not found on PATH"))
    return path


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``promtool ARGS`` and return its result (the caller reads returncode and output)."""
    return subprocess.run(
        [require_binary("promtool"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=PROMTOOL_TIMEOUT_S,
        check=False,
    )


@dataclass(frozen=True, slots=True)
class ScrapeTarget:
    """One address Prometheus scrapes for a job of :data:`JOBS` (``host:port``)."""

    job: str
    address: str

    def __post_init__(self) -> None:
        if self.job not in JOBS:
            raise ConfigError("job", self.job, f"must be one of {', '.join(JOBS)}")
        host, _, port = self.address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError("address", self.address, "must be host:port with a port in 1..65535")

    @classmethod
    def from_url(cls, job: str, url: str) -> ScrapeTarget:
        """The target for ``http://host:port`` (a path is ignored: the job fixes ``/metrics``)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("url", url, "need an http(s) URL such as http://127.0.0.1:8000")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return cls(job, f"{host}:{port}")


def write_run_config(
    run_dir: Path,
    targets: Sequence[ScrapeTarget],
    *,
    scrape_interval_s: float | None = None,
    source: Path = PROMETHEUS_CONFIG_DIR,
) -> Path:
    """Copy ``source`` (prometheus.yml and rules/) into ``run_dir/config`` and write every job's targets
    file there (an empty list for a job without targets); returns the path of the configuration.

    ``scrape_interval_s`` replaces the template's scrape and rule-evaluation interval (tests, short drills).
    """
    config_dir = run_dir / "config"
    shutil.rmtree(config_dir, ignore_errors=True)
    shutil.copytree(source / "rules", config_dir / "rules")
    config = config_dir / "prometheus.yml"
    if scrape_interval_s is None:
        shutil.copyfile(source / "prometheus.yml", config)
    else:
        if not 0.1 <= scrape_interval_s <= 300:
            raise ConfigError("scrape_interval_s", scrape_interval_s, "must be between 0.1 and 300 seconds")
        import yaml  # type: ignore[import-untyped, unused-ignore]

        document = yaml.safe_load((source / "prometheus.yml").read_text(encoding="utf-8"))
        interval = f"{round(scrape_interval_s * 1000)}ms"
        document["global"].update(
            scrape_interval=interval, scrape_timeout=interval, evaluation_interval=interval
        )
        config.write_text(json.dumps(document, indent=2), encoding="utf-8")  # JSON is YAML
    (config_dir / "targets").mkdir()
    for job in JOBS:
        addresses = [t.address for t in targets if t.job == job]
        groups = [{"targets": addresses, "labels": {"stack": "local"}}] if addresses else []
        (config_dir / "targets" / f"{job}.json").write_text(json.dumps(groups, indent=2), encoding="utf-8")
    return config


class PrometheusQueryError(RuntimeError):
    """Prometheus refused a query; the message names the expression and quotes Prometheus' reason."""


class PrometheusServer(ManagedProcess):
    """``prometheus`` on 127.0.0.1 with its own configuration, data folder and port; ready at /-/ready."""

    def __init__(
        self,
        run_dir: Path,
        targets: Sequence[ScrapeTarget],
        *,
        port: int = 0,
        scrape_interval_s: float | None = None,
        retention: str = RETENTION,
    ) -> None:
        self.port = port or free_port()
        self.run_dir = run_dir
        config = write_run_config(run_dir, targets, scrape_interval_s=scrape_interval_s)
        argv = [
            require_binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={run_dir / 'data'}",
            f"--storage.tsdb.retention.time={retention}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        super().__init__(
            "prometheus", argv, ready_url=self.url + "/-/ready", log_path=run_dir / "prometheus.log"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET ``/api/v1/<path>`` and return its ``data``; :class:`PrometheusQueryError` on an error."""
        with httpx.Client(trust_env=False, timeout=API_TIMEOUT_S) as http:
            response = http.get(f"{self.url}/api/v1/{path}", params=params)
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusQueryError(f"{path} {params or ''}: {body.get('error', response.text)}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector (or scalar, as one sample) ``expr`` evaluates to now."""
        data = self.api("query", {"query": expr})
        result = data["result"]
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": result}]
        samples: list[dict[str, Any]] = result
        return samples

    def active_targets(self, job: str | None = None) -> list[dict[str, Any]]:
        """Active scrape targets (``health`` is up, down or unknown), optionally of one job."""
        targets: list[dict[str, Any]] = self.api("targets", {"state": "active"})["activeTargets"]
        return [t for t in targets if job is None or t["labels"].get("job") == job]


class RedisExporter(ManagedProcess):
    """``redis_exporter`` on 127.0.0.1 and a free port, reading ``redis_url``."""

    def __init__(self, redis_url: str, log_path: Path, *, port: int = 0) -> None:
        self.port = port or free_port()
        argv = [
            require_binary("prometheus-redis-exporter"),
            f"-redis.addr={redis_url}",
            f"-web.listen-address=127.0.0.1:{self.port}",
        ]
        super().__init__("redis-exporter", argv, ready_url=self.url + "/metrics", log_path=log_path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class StackWatch:
    """Prometheus scraping a running portal, plus a redis_exporter when ``redis_url`` is given and the
    exporter is installed (else none: it is optional). A context manager, like the stack itself."""

    def __init__(
        self,
        portal_url: str,
        run_dir: Path,
        *,
        redis_url: str | None = None,
        port: int = 0,
        scrape_interval_s: float | None = None,
        extra_targets: Sequence[ScrapeTarget] = (),
    ) -> None:
        self.run_dir = run_dir
        self.targets: list[ScrapeTarget] = [ScrapeTarget.from_url("cuaso-portal", portal_url), *extra_targets]
        self.exporter: RedisExporter | None = None
        if redis_url and find_binary("prometheus-redis-exporter") is not None:
            self.exporter = RedisExporter(redis_url, run_dir / "redis-exporter.log")
            self.targets.append(ScrapeTarget.from_url("redis", self.exporter.url))
        self.prometheus = PrometheusServer(
            run_dir, self.targets, port=port, scrape_interval_s=scrape_interval_s
        )

    def start(self) -> Self:
        try:
            for proc in (self.exporter, self.prometheus):
                if proc is not None:
                    proc.start()
                    proc.wait_ready(proc.ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.prometheus.stop()
        if self.exporter is not None:
            self.exporter.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
