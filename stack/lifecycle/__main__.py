"""``python -m stack.lifecycle [--now ISO] [--citizen ID] ...``: one run of the account lifecycle job
(the same as ``cuaso accounts run``); a scheduler (cron, a systemd timer) runs it, say, every 15 minutes.

Exit 0 after a complete run, 1 when a notice could not be sent (the next run retries it), 2 for a bad
option.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from results.exceptions import CuasoError
from stack.lifecycle.cli import add_run_arguments, run_command


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stack.lifecycle",
        description="One run of the account lifecycle job: inactivity notices, locks, recoveries.",
    )
    add_run_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_command(args)
    except CuasoError as exc:
        print(f"lifecycle: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
