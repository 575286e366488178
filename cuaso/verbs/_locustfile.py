"""``cuaso drill --locustfile FILE``: the option, and the journey options it cannot be combined with.

The file's users run instead of cuaso's journeys, so the options that shape cuaso's journeys have
nothing to act on; each is refused by name before anything starts, rather than silently ignored. The
file itself is checked by the runner (:func:`scenarios.drill.user_file.inspect_user_file`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from results.exceptions import ConfigError

JOURNEY_ONLY = {
    "mix": ("--mix", "the journey mix weighs cuaso's journeys; the file's classes keep their own weight "
            "and fixed_count"),
    "retry": ("--retry", "cuaso's journeys retry as people do; the file's users retry as their code says"),
    "request_timeout": ("--request-timeout", "it is the client timeout of cuaso's journeys; set "
                        "network_timeout (FastHttpUser) or timeout= (HttpUser) in the file"),
    "iterations": ("--iterations", "it counts cuaso's journeys per user"),
    "open": ("--open", "an open model schedules cuaso's journeys; the file's users run closed"),
}  # fmt: skip
"""Option dest → (flag, why it does not apply to a user's Locust file)."""


def add_locustfile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--locustfile",
        type=Path,
        default=None,
        metavar="FILE",
        help="run the HttpUser/FastHttpUser classes of your own Locust file instead of cuaso's journeys, "
        "under the scenario's shape, with cuaso's measuring and allow-list (docs/own-portal.md)",
    )


def locustfile_changes(args: argparse.Namespace) -> dict[str, str]:
    """The drill config's ``locustfile`` (an absolute path), or nothing without ``--locustfile``; a
    journey-only option given with it is a :class:`ConfigError` naming that option."""
    if args.locustfile is None:
        return {}
    together = f"cannot be combined with --locustfile {args.locustfile}"
    for dest, (flag, why) in JOURNEY_ONLY.items():
        value = getattr(args, dest, None)
        if value not in (None, False, 0):
            raise ConfigError(flag, str(value) if isinstance(value, Path) else value, f"{together}: {why}")
    if args.scenario == "arrivals":
        why = f"{JOURNEY_ONLY['open'][1]}; use a closed scenario such as steady"
        raise ConfigError("SCENARIO", args.scenario, f"{together}: {why}")
    return {"locustfile": str(Path(args.locustfile).expanduser().resolve())}
