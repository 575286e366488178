"""``cuaso reconcile``: compare the portal's payment ledger with every partner's for a period."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from cuaso.verbs._types import Subparsers
from results.exceptions import ConfigError

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_PARTNERS = "http://127.0.0.1:8103"
DEFAULT_OUT = Path("reports/out/reconcile")


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="compare the portal's payment ledger with each partner's for a period",
        description="Reads the portal's payments created in [--from, --to) from its Redis and each "
        "payment partner's ledger from the partner simulator, and reports every mismatch by kind: "
        "missing_callback (a partner charged, the portal never learned it), amount_mismatch, duplicate "
        "(charged or paid twice), unknown_payment (a charge for a payment the portal never created) and "
        "status_mismatch. Writes the report as JSON and Markdown under --out and prints the summary. "
        "Exit 0 when clean, 1 when there is any mismatch, 2 when a ledger cannot be read. Times are ISO "
        "8601; without a timezone they are UTC.",
    )
    parser.add_argument("--from", dest="start", required=True, metavar="ISO", help="period start (inclusive)")
    parser.add_argument("--to", dest="end", required=True, metavar="ISO", help="period end (exclusive)")
    parser.add_argument(
        "--portal-redis",
        default=os.environ.get("CUASO_REDIS_URL", DEFAULT_REDIS),
        metavar="URL",
        help="the portal's Redis (default: $CUASO_REDIS_URL or %(default)s)",
    )
    parser.add_argument(
        "--partners",
        default=os.environ.get("CUASO_PAYMENTS_URL", DEFAULT_PARTNERS),
        metavar="URL",
        help="the payment-partner simulator (default: $CUASO_PAYMENTS_URL or %(default)s)",
    )
    parser.add_argument(
        "--partner",
        action="append",
        default=None,
        metavar="CODE",
        help="reconcile only this partner; repeatable (default: all 19)",
    )
    parser.add_argument(
        "--grace-s",
        type=float,
        default=None,
        help="read partner ledgers this many seconds beyond each end of the period (default: 3600)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report folder (default: %(default)s)")
    parser.set_defaults(func=_reconcile)


def _moment(key: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(key, text, "need an ISO 8601 time such as 2025-07-01T00:00:00+07:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _reconcile(args: argparse.Namespace) -> int:
    from stack.reconcile.model import Period
    from stack.reconcile.render import summary, write_report
    from stack.reconcile.run import DEFAULT_GRACE_S, run_reconciliation
    from stack.reconcile.sources import PortalLedger
    from stack.sims.partners import partner_by_code, partner_codes

    start, end = _moment("--from", args.start), _moment("--to", args.end)
    if start >= end:
        raise ConfigError("--to", args.end, f"must be later than --from={args.start}")
    partners = tuple(args.partner) if args.partner else partner_codes()
    for code in partners:
        if partner_by_code(code) is None:
            raise ConfigError("--partner", code, f"unknown partner; known: {', '.join(partner_codes())}")
    grace_s = DEFAULT_GRACE_S if args.grace_s is None else args.grace_s
    if not 0 <= grace_s <= 7 * 86_400:
        raise ConfigError("--grace-s", args.grace_s, "need 0 to 604800 seconds")
    portal = PortalLedger.from_url(args.portal_redis)
    try:
        report = run_reconciliation(
            Period(start, end),
            portal,
            args.partners,
            partners,
            grace_s,
            say=lambda msg: print(f"reconcile: {msg}", flush=True),
        )
    finally:
        portal.close()
    json_path, md_path = write_report(report, args.out)
    print(summary(report), end="")
    print(f"reconcile: wrote {json_path} and {md_path}")
    return 0 if report.clean else 1
