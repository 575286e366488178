"""The ``cuaso`` command: one entry point, one verb per capability.

Each verb lives in its own module under :mod:`cuaso.verbs` and exposes ``register(subparsers)``.
Verb modules import heavy code (scipy, locust, the stack) inside their handlers only, so that
``cuaso --help`` stays fast. Every option's default can come from the project file (``cuaso.toml``)
or a ``CUASO_<OPTION>`` variable: flag > environment > file > default (:mod:`cuaso.project`).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from cuaso.project import Project, apply_defaults
from results.exceptions import CuasoError
from results.version import __version__

# Verb modules, in the order ``--help`` lists them. A module listed here that does not exist yet is
# an error: each entry is a real, tested verb.
VERB_MODULES: tuple[str, ...] = (
    "cuaso.verbs.assess",
    "cuaso.verbs.stack",
    "cuaso.verbs.walk",
    "cuaso.verbs.fit",
    "cuaso.verbs.drill",
    "cuaso.verbs.sweep",
    "cuaso.verbs.reconcile",
    "cuaso.verbs.accounts",
    "cuaso.verbs.gate",
    "cuaso.verbs.size",
    "cuaso.verbs.report",
    "cuaso.verbs.dashboards",
    "cuaso.verbs.chaos",
    "cuaso.verbs.modes",
    "cuaso.verbs.overload",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cuaso",
        description="Load testing and capacity planning for a national e-government portal.",
    )
    parser.add_argument("--version", action="version", version=f"cuaso {__version__}")
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        metavar="FILE",
        help="project file of option defaults and queries (default: $CUASO_PROJECT, else ./cuaso.toml "
        "when it exists); flags > CUASO_* variables > file > built-in defaults",
    )
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name in VERB_MODULES:
        importlib.import_module(name).register(subparsers)
    for verb in verb_parsers(parser).values():  # also after the verb: cuaso drill steady --project F
        verb.add_argument("--project", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def verb_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each verb's own parser, by name."""
    for action in parser._subparsers._group_actions if parser._subparsers else ():  # no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--project", type=Path, default=None)
    known, _ = pre.parse_known_args(argv)
    try:
        project = Project.load(known.project)
        apply_defaults(verb_parsers(parser), project)
    except CuasoError as exc:
        print(f"cuaso: error: {exc}", file=sys.stderr)
        return exc.exit_code
    args = parser.parse_args(argv)
    args.project_file = project
    try:
        with terminated_as_interrupt():
            code: int = args.func(args)
    except Terminated:
        print(f"cuaso {args.verb}: terminated (SIGTERM); everything it started is stopped", file=sys.stderr)
        return 128 + signal.SIGTERM
    except CuasoError as exc:
        print(f"cuaso {args.verb}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"cuaso {args.verb}: interrupted", file=sys.stderr)
        return 130
    return code


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the verb is, so that its ``with`` blocks stop what they started (the stack,
    Locust) as on Ctrl-C: a killed drill leaves no process behind."""


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """While a verb runs in the main thread, SIGTERM raises :class:`Terminated` (verbs that handle
    SIGTERM themselves, like ``stack up``, install their own handler over this one)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
