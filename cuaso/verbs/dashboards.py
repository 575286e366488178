"""``cuaso dashboards``: check the Grafana dashboards and Prometheus rules, or watch a stack live.

``check`` runs ``promtool check config``, ``promtool check rules`` and the rules' unit tests
(``promtool test rules``), then checks every Grafana dashboard: each JSON loads, each panel reads the
provisioned data source, each PromQL expression (panels, variables, annotations, and the rules too)
parses, and uses only metrics listed in ``dashboards/metrics.json`` or recorded by the rules.
``prometheus`` runs a real Prometheus on 127.0.0.1 scraping a running stack until Ctrl-C.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType

from cuaso.verbs._types import Subparsers
from results.exceptions import ConfigError, CuasoError


class DashboardsCheckError(CuasoError):
    """``cuaso dashboards check`` found problems (each printed above this message)."""

    exit_code = 1


class PrometheusStartError(CuasoError):
    """Prometheus or the redis_exporter did not start; the message quotes its log."""

    exit_code = 1


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "dashboards",
        help="check the Grafana dashboards and Prometheus rules, or run a Prometheus watching a stack",
        description="Grafana dashboards (dashboards/grafana) and Prometheus configuration, recording and "
        "SLO burn-rate alert rules (dashboards/prometheus). Needs promtool and prometheus (Debian package "
        "'prometheus'). See docs/dashboards.md.",
    )
    sub = parser.add_subparsers(dest="dashboards_verb", metavar="ACTION", required=True)
    check = sub.add_parser(
        "check",
        help="validate the configuration, rules, rule unit tests and dashboards with promtool",
        description="Runs promtool check config, promtool check rules and promtool test rules, then checks "
        "that every dashboard loads, reads the provisioned data source, and that every PromQL expression "
        "parses and uses only known metrics (dashboards/metrics.json or recording rules). Exit 1 on any "
        "problem, each named.",
    )
    check.add_argument(
        "--dir", type=Path, default=None, help="the dashboards folder to check (default: the repository's)"
    )
    check.set_defaults(func=_check)
    watch = sub.add_parser(
        "prometheus",
        help="run a real Prometheus on 127.0.0.1 scraping a running stack until Ctrl-C",
        description="Starts Prometheus (its own port and data folder, never 9090 blindly) with "
        "dashboards/prometheus, scraping --target's /metrics; with --redis-url, also a redis_exporter when "
        "one is installed. Prints the URLs and how to point Grafana at it; stops on SIGINT or SIGTERM.",
    )
    watch.add_argument("--target", required=True, help="portal base URL, e.g. http://127.0.0.1:8000")
    watch.add_argument("--redis-url", default=None, help="the stack's Redis, for the optional exporter")
    watch.add_argument("--port", type=int, default=0, help="Prometheus port on 127.0.0.1 (0: a free one)")
    watch.add_argument("--data-dir", type=Path, default=None, help="keep config, samples and logs here")
    watch.add_argument(
        "--scrape-interval", type=float, default=None, help="seconds (default: the config's 5)"
    )
    watch.add_argument(
        "--allow-host", action="append", default=[], help="a non-loopback target host to allow"
    )
    watch.set_defaults(func=_prometheus)


def _check(args: argparse.Namespace) -> int:
    from stack.dashboards import run_check
    from stack.prometheus import DASHBOARDS_DIR

    directory: Path = args.dir or DASHBOARDS_DIR
    if not (directory / "prometheus" / "prometheus.yml").is_file():
        raise DashboardsCheckError(f"--dir={str(directory)!r}: no prometheus/prometheus.yml there")
    print(f"checking {directory}", flush=True)
    failed = run_check(directory, say=lambda line: print(line, flush=True))
    if failed:
        raise DashboardsCheckError(f"{failed} check(s) failed")
    print("all checks passed", flush=True)
    return 0


def _prometheus(args: argparse.Namespace) -> int:
    from scenarios.safety import check_target
    from stack.process import StartupError
    from stack.prometheus import DASHBOARDS_DIR, StackWatch

    check_target(args.target, allowed=args.allow_host)
    if not 0 <= args.port < 65536:
        raise ConfigError("--port", args.port, "need 0..65535 (0: a free port)")
    if args.scrape_interval is not None and not 0.1 <= args.scrape_interval <= 300:
        raise ConfigError("--scrape-interval", args.scrape_interval, "need 0.1..300 seconds")
    run_dir: Path = args.data_dir or Path(tempfile.mkdtemp(prefix="cuaso-prometheus-"))
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        watch = StackWatch(args.target, run_dir, redis_url=args.redis_url, port=args.port,
                           scrape_interval_s=args.scrape_interval)  # fmt: skip
        with watch:
            kept = "kept" if args.data_dir else "removed at exit"
            print(f"prometheus: ready at {watch.prometheus.url}", flush=True)
            print(f"  config, samples and log in {run_dir} ({kept})", flush=True)
            for target in watch.targets:
                print(f"  scraping {target.job:<13} {target.address}", flush=True)
            if args.redis_url and watch.exporter is None:
                print("  no redis_exporter installed: the Redis dashboard shows the portal's timings only")
            grafana = DASHBOARDS_DIR / "grafana"
            print(
                f"grafana: CUASO_PROMETHEUS_URL={watch.prometheus.url} CUASO_DASHBOARDS_DIR={grafana} "
                f"GF_PATHS_PROVISIONING={grafana / 'provisioning'} grafana-server ...",
                flush=True,
            )
            print("prometheus: press Ctrl-C to stop", flush=True)
            while not stop.wait(0.5):
                if not watch.prometheus.running:
                    print(f"prometheus: exited with {watch.prometheus.returncode}", flush=True)
                    print(watch.prometheus.log_tail(), flush=True)
                    return 1
    except StartupError as exc:
        raise PrometheusStartError(str(exc)) from exc
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if args.data_dir is None:
            shutil.rmtree(run_dir, ignore_errors=True)
    print("prometheus: stopped", flush=True)
    return 0
