"""The account lifecycle: inactivity notices, locks and recovery deadlines, run against a settable clock.

- :mod:`.clock` — the job's "now" (``--now ISO`` or the system clock) and calendar-month arithmetic;
- :mod:`.workweek` — the Vietnamese working week, for deadlines counted in working hours or days;
- :mod:`.policy` — when an account gets its notice, when it is locked, how long recovery may take;
- :mod:`.notices` — sending a notice to the SMS/e-mail sink, idempotently;
- :mod:`.job` — the job itself (``python -m stack.lifecycle``, ``cuaso accounts run``);
- :mod:`.cli` — the command-line arguments and commands shared by both entry points.

The data it works on lives in :mod:`stack.data.accounts`. See docs/accounts-and-feedback.md.
"""
