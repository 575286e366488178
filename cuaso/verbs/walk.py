"""``cuaso walk``: start the local stack (or use --host) and run every journey once."""

from __future__ import annotations

import argparse

from cuaso.verbs._types import Subparsers
from cuaso.verbs.drill import add_target_options
from cuaso.verbs.stack import add_stack_options, options_from


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "walk",
        help="run every journey once against the local stack (or --host) and print each step",
        description="Starts the local reference stack (unless --host is given), walks every citizen "
        "journey once (catalogue, e-ID login, auto-fill, dossier create/attach/submit, public status, "
        "logout) printing each request, then stops the stack. Exit 1 if any step misbehaves.",
    )
    add_target_options(parser)
    add_stack_options(parser)
    parser.set_defaults(func=_walk, port=0)


def _walk(args: argparse.Namespace) -> int:
    from scenarios.safety import AllowList, check_target
    from scenarios.walk import Walk
    from stack.launcher import LocalStack

    if args.host:
        check_target(args.host, allowed=args.allow_host)
        walk = Walk(args.host, allow=AllowList.of(args.allow_host))
        try:
            walk.run()
        finally:
            walk.close()
        return 0
    with LocalStack(options_from(args), on_event=lambda m: print(f"stack: {m}", flush=True)) as stack:
        walk = Walk(stack.url)
        try:
            walk.run()
        finally:
            walk.close()
    return 0
