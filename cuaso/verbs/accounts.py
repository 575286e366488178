"""``cuaso accounts``: the account lifecycle (FACTS.md: locked after 2 years without activity, after a
notice during the 2 months before; recovery within 8 working hours), run against a settable clock."""

from __future__ import annotations

from cuaso.verbs._types import Subparsers


def register(subparsers: Subparsers) -> None:
    from stack.lifecycle.cli import register_commands  # argparse only: the heavy imports wait for a handler

    parser = subparsers.add_parser(
        "accounts",
        help="the account lifecycle job: inactivity notices, locks, recovery deadlines",
        description="Runs the account lifecycle against the portal's Redis: 'run' sends inactivity notices "
        "(to the SMS/e-mail gateway) to accounts entering the 2-month window before the 2-year lock, locks "
        "accounts past it and completes open recovery tickets, met or breached against their 8-working-hour "
        "deadline; 'show' prints one account; 'complete' lets an officer complete a ticket; 'status' prints "
        "the counters. --now ISO sets the clock (a drill or a test moves it two years ahead). Prints to the "
        "terminal only; writes no files. See docs/accounts-and-feedback.md.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register_commands(commands)
