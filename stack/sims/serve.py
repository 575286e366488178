"""What every simulator's command line shares: fault flags, the control routes and the uvicorn run.

Common flags (each simulator adds its own):

| flag | meaning |
|---|---|
| ``--host`` | address to listen on (default ``127.0.0.1``) |
| ``--port`` | TCP port (default per simulator) |
| ``--latency-ms`` | added latency per request, ms (default :data:`~stack.sims.faults.DEFAULT_LATENCY_MS`) |
| ``--jitter-ms`` | ± uniform jitter around it, ms (default :data:`~stack.sims.faults.DEFAULT_JITTER_MS`) |
| ``--error-rate`` | share of requests answered with ``--error-status`` (default 0) |
| ``--error-status`` | status of injected errors (default 503) |
| ``--outage START:END`` | an outage window in seconds since start; repeatable |
| ``--outage-mode`` | ``error`` (503 at once) or ``hang`` (hold requests until the window ends) |
| ``--seed`` | seed of the fault random draws (default :data:`DEFAULT_SEED`) |

The server is one uvicorn process (uvloop, httptools, log level warning, no access log) that stops
gracefully on SIGTERM or SIGINT and then exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Generator, Sequence

import uvicorn
from fastapi import FastAPI

from stack.sims.control import control_router
from stack.sims.faults import OUTAGE_MODES, FaultConfig, FaultConfigError, Outage
from stack.sims.middleware import FaultInjector, FaultState

DEFAULT_HOST = "127.0.0.1"
DEFAULT_SEED = 0
"""Seed of the fault draws when none is given: fixed, so that runs repeat."""


def base_parser(prog: str, description: str, default_port: int) -> argparse.ArgumentParser:
    """An argument parser with the flags every simulator takes (see the module docstring)."""
    defaults = FaultConfig()
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=default_port, help="TCP port (default: %(default)s)")
    faults = parser.add_argument_group("fault injection (changeable at run time: PUT /_sim/faults)")
    add = faults.add_argument
    add(
        "--latency-ms",
        type=float,
        default=defaults.latency_ms,
        help="added latency, ms (default: %(default)s)",
    )
    add(
        "--jitter-ms",
        type=float,
        default=defaults.jitter_ms,
        help="± uniform jitter, ms (default: %(default)s)",
    )
    add(
        "--error-rate", type=float, default=defaults.error_rate, help="share of errors (default: %(default)s)"
    )
    add("--error-status", type=int, default=defaults.error_status, help="error status (default: %(default)s)")
    add(
        "--outage",
        action="append",
        default=[],
        metavar="START:END",
        help="outage window in seconds since start; repeatable",
    )
    add(
        "--outage-mode",
        choices=OUTAGE_MODES,
        default=defaults.outage_mode,
        help="error: 503 at once; hang: hold requests until the window ends (default: %(default)s)",
    )
    add("--seed", type=int, default=DEFAULT_SEED, help="seed of the fault draws (default: %(default)s)")
    return parser


def fault_config_from_args(args: argparse.Namespace) -> FaultConfig:
    """The initial :class:`FaultConfig` from parsed flags; raises :class:`FaultConfigError` whose key
    is the flag (e.g. ``--error-rate``)."""
    try:
        outages = tuple(Outage.parse(text) for text in args.outage)
        return FaultConfig(
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            error_rate=args.error_rate,
            error_status=args.error_status,
            outages=outages,
            outage_mode=args.outage_mode,
        )
    except FaultConfigError as exc:
        raise FaultConfigError("--" + exc.key.replace("_", "-"), exc.value, exc.reason) from exc


def parse_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> tuple[argparse.Namespace, FaultState]:
    """Parse ``argv`` and build the fault state; a bad fault flag exits 2 with a message naming it."""
    args = parser.parse_args(argv)
    try:
        config = fault_config_from_args(args)
    except FaultConfigError as exc:
        parser.error(str(exc))
    return args, FaultState(config, seed=args.seed)


def install_faults(app: FastAPI, state: FaultState, simulator: str) -> None:
    """Put the fault injector in front of ``app`` and add the ``/_sim/`` control routes."""
    app.include_router(control_router(state, simulator))
    app.add_middleware(FaultInjector, state=state)


def new_app(title: str) -> FastAPI:
    """A FastAPI app without the interactive docs (a simulator serves machines, not people)."""
    return FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)


class _Server(uvicorn.Server):
    """uvicorn's server, except that after a graceful stop on SIGTERM/SIGINT the process exits 0.

    uvicorn re-raises the captured signal once it has shut down, which would end the process *by* that
    signal (status -15); a simulator asked to stop has done nothing wrong, so it exits normally.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def serve(app: FastAPI, host: str, port: int) -> int:
    """Serve ``app`` until SIGTERM/SIGINT; returns the exit status (0 after a graceful stop)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    _Server(config).run()
    return 0
