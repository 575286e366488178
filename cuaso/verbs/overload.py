"""``cuaso overload``: goodput and admitted latency at 1x, 2x and 5x the stack's capacity, with admission
control on and off (docs/overload.md).

Every run starts its own local stack (one uvicorn worker by default, each API request burning
``--inject-cpu-ms`` of CPU so that the capacity is CPU-bound, small, and offered 5x over by one Locust
process). In order:

1. **capacity**: a steady drill of ``--capacity-users`` users that never think, admission off: its
   goodput is the peak ``X_peak`` (req/s);
2. **per-user rate**: a steady drill of ``--probe-users`` users thinking at ``--think-scale``, well below
   the knee: goodput per user ``λ``; the 1x level is ``N1 = X_peak / λ`` users;
3. **spikes**: for each factor k and admission mode, a ``spike`` drill: ``N1`` users, a step to
   ``k × N1`` for ``--spike`` s, back to ``N1`` for ``--after`` s.

Writes ``OUT/overload.json`` (calibration, settings, figures per run), ``OUT/overload.md`` (the table)
and each drill's folder (``OUT/capacity``, ``OUT/probe``, ``OUT/k2-on``...). Exit 0 when every drill ran.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cuaso.verbs._types import Subparsers
from cuaso.verbs.drill import add_load_options, base_config, drill_request
from cuaso.verbs.stack import options_from
from results.exceptions import ConfigError
from scenarios.overload import (
    AFTER_S,
    BEFORE_S,
    CALIBRATION_S,
    CAPACITY_USERS,
    CPU_MS,
    FACTORS,
    MAX_IN_FLIGHT,
    PROBE_USERS,
    QUEUE,
    RAMP_S,
    REQUEST_TIMEOUT_S,
    RETRY,
    SPIKE_S,
    STACK_WORKERS,
    THINK_SCALE,
)

if TYPE_CHECKING:
    from results.document import ResultsDocument
    from scenarios.drill.config import DrillConfig

OVERLOAD_DIR = Path("var/overload")


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "overload",
        help="goodput and admitted p99 at 1x/2x/5x capacity, admission control on and off",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--factors", default=FACTORS, help=f"load factors (default {FACTORS})")
    parser.add_argument("--modes", default="off,on", help="admission control modes to run (default off,on)")
    parser.add_argument(
        "--models",
        default="closed",
        help="load models to run each spike in: closed (Locust's users loop), open (sessions keep "
        "arriving at the spike's rate, see docs/drills.md); closed,open puts them side by side",
    )
    add = parser.add_argument
    add("--capacity-users", type=int, default=CAPACITY_USERS, help="users for the capacity drill (16)")
    add("--probe-users", type=int, default=PROBE_USERS, help="users for the per-user rate drill (10)")
    add("--calibration", type=float, default=CALIBRATION_S, metavar="SECONDS",
        help="length of each calibration drill after a 3-s ramp (20)")  # fmt: skip
    add("--ramp", type=float, default=RAMP_S, metavar="SECONDS", help="ramp to the base (10)")
    add("--before", type=float, default=BEFORE_S, metavar="SECONDS", help="base level before the spike (20)")
    add("--spike", type=float, default=SPIKE_S, metavar="SECONDS", help="the spike (45)")
    add("--after", type=float, default=AFTER_S, metavar="SECONDS", help="base level after the spike (45)")
    add("--slo-ms", type=float, default=None, metavar="MS",
        help="objective for the p99 of admitted requests (1000: dashboards' cuaso-slo.yml)")  # fmt: skip
    add_load_options(parser)
    parser.set_defaults(
        func=_overload,
        think_scale=THINK_SCALE,
        retry=RETRY,
        request_timeout=REQUEST_TIMEOUT_S,
        abort_error_rate=1.0,  # refusals are the point: never abort on them
        stack_workers=STACK_WORKERS,
        inject_cpu_ms=CPU_MS,
        rate_limit=0.0,  # per-citizen limit off: the table isolates admission control
        max_in_flight=MAX_IN_FLIGHT,
        queue=QUEUE,
    )


def _parse_list(flag: str, text: str, parse: type[float] | type[str]) -> list[Any]:
    try:
        items = [parse(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(flag, text, "must be a comma-separated list") from None
    if not items:
        raise ConfigError(flag, text, "must name at least one")
    return items


def _check(args: argparse.Namespace) -> tuple[list[float], list[bool], list[str]]:
    if args.host is not None:
        from scenarios.safety import check_target

        check_target(args.host, allowed=args.allow_host)  # a host not allowed is refused as by every verb
        raise ConfigError("--host", args.host, "overload starts its own stack for each run")
    if args.admission is not None:
        raise ConfigError("--admission", args.admission, "overload runs the modes of --modes")
    factors = _parse_list("--factors", args.factors, float)
    if any(not f >= 1 for f in factors):
        raise ConfigError("--factors", args.factors, "each factor must be >= 1")
    modes = _parse_list("--modes", args.modes, str)
    if any(m not in ("on", "off") for m in modes):
        raise ConfigError("--modes", args.modes, "each mode must be on or off")
    models = _parse_list("--models", args.models, str)
    if any(m not in ("closed", "open") for m in models) or len(set(models)) != len(models):
        raise ConfigError("--models", args.models, "each model must be closed or open, once")
    for flag in ("capacity_users", "probe_users"):
        if getattr(args, flag) < 1:
            raise ConfigError(f"--{flag.replace('_', '-')}", getattr(args, flag), "must be >= 1")
    for flag in ("calibration", "spike", "after"):
        if not getattr(args, flag) > 0:
            raise ConfigError(f"--{flag}", getattr(args, flag), "must be > 0 seconds")
    if args.slo_ms is not None and not (math.isfinite(args.slo_ms) and args.slo_ms > 0):
        raise ConfigError("--slo-ms", args.slo_ms, "must be > 0 milliseconds")
    return factors, [m == "on" for m in modes], models


def _run(args: argparse.Namespace, config: DrillConfig, out: Path, admission: bool) -> ResultsDocument:
    from scenarios.drill.runner import run_drill

    request = drill_request(args, config, out)
    stack = options_from(args, port=0, workers=args.stack_workers, redis_url=None, admission=admission)
    return run_drill(dataclasses.replace(request, stack=stack), say=_say).document


def _steady(args: argparse.Namespace, users: int, think_scale: float) -> DrillConfig:
    return base_config(
        args, "steady", think_scale=think_scale, scale=1.0, modelled_users=users,
        duration_s=3.0 + args.calibration, shape_params={"ramp_s": 3.0},
    )  # fmt: skip


def _overload(args: argparse.Namespace) -> int:
    from scenarios.overload import SLO_P99_MS, figures, goodput_rps, markdown_table

    factors, modes, models = _check(args)
    slo_ms: float = SLO_P99_MS if args.slo_ms is None else args.slo_ms
    out: Path = args.out or OVERLOAD_DIR / f"overload-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    out.mkdir(parents=True, exist_ok=True)
    total = 2 + len(factors) * len(modes) * len(models)
    _say(f"overload: {total} drills into {out}")

    _say(f"\n=== overload 1/{total}: capacity, {args.capacity_users} users without think time")
    capacity = _run(args, _steady(args, args.capacity_users, 0.0), out / "capacity", admission=False)
    peak = goodput_rps(capacity.phase("steady"))
    if peak <= 0:
        raise ConfigError("capacity", peak, f"no successful request; see {out / 'capacity'}")
    _say(f"=== capacity X_peak = {peak:.1f} req/s")

    _say(
        f"\n=== overload 2/{total}: per-user rate, {args.probe_users} users at think scale {args.think_scale}"
    )
    probe = _run(args, _steady(args, args.probe_users, args.think_scale), out / "probe", admission=False)
    probe_steady = probe.phase("steady")
    per_user = goodput_rps(probe_steady) / max(probe_steady.offered.users_mean, 1e-9)
    if per_user <= 0:
        raise ConfigError("probe", per_user, f"no successful request; see {out / 'probe'}")
    base_users = max(1, round(peak / per_user))
    _say(f"=== per-user rate λ = {per_user:.3f} req/s; 1x = {base_users} users")

    rows = []
    run = 2
    for factor, admission, model in itertools.product(factors, modes, models):
        run += 1
        name = f"k{factor:g}-{'on' if admission else 'off'}" + ("-open" if model == "open" else "")
        _say(f"\n=== overload {run}/{total}: {name}: {base_users} → {round(base_users * factor)} users"
             + (" (open: arriving at users / mean session)" if model == "open" else ""))  # fmt: skip
        config = base_config(
            args, "spike", scale=1.0, modelled_users=max(1, round(base_users * factor)),
            duration_s=args.ramp + args.before + args.spike + args.after, open=model == "open",
            shape_params={"users": base_users, "factor": factor, "ramp_s": args.ramp,
                          "before_s": args.before, "spike_s": args.spike},
        )  # fmt: skip
        doc = _run(args, config, out / name, admission=admission)
        row = figures(doc, peak, admission=admission, slo_p99_ms=slo_ms)
        rows.append(row)
        _say(f"=== {name}: goodput {row.goodput_share:.2f} of peak, p99 admitted "
             f"{row.p99_admitted_ms:.0f} ms, 503 {row.refused_share:.1%}, "
             f"timeouts {row.timeout_share:.1%}")  # fmt: skip

    table = markdown_table(rows)
    calibration = {
        "peak_rps": peak, "capacity_users": args.capacity_users, "per_user_rps": per_user,
        "probe_users": args.probe_users, "base_users": base_users,
    }  # fmt: skip
    settings = {
        "factors": factors, "models": models, "stack_workers": args.stack_workers,
        "inject_cpu_ms": args.inject_cpu_ms,
        "think_scale": args.think_scale, "retry": args.retry, "request_timeout_s": args.request_timeout,
        "ramp_s": args.ramp, "before_s": args.before, "spike_s": args.spike, "after_s": args.after,
        "max_in_flight": args.max_in_flight, "queue": args.queue, "seed": args.seed, "slo_p99_ms": slo_ms,
    }  # fmt: skip
    document = {"calibration": calibration, "settings": settings, "runs": [r.to_dict() for r in rows]}
    (out / "overload.json").write_text(json.dumps(document, indent=2, allow_nan=False))
    (out / "overload.md").write_text(
        f"# Overload drill\n\nCapacity {peak:.1f} req/s ({args.stack_workers} worker(s), "
        f"{args.inject_cpu_ms:g} ms CPU per API request); 1x = {base_users} users at "
        f"{per_user:.3f} req/s each; retry `{args.retry}`, client timeout {args.request_timeout:g} s; "
        f"SLO: p99 of admitted requests <= {slo_ms:g} ms.\n\n" + table
    )
    _say("\n" + table)
    _say(f"overload: wrote {out / 'overload.json'} and {out / 'overload.md'}")
    return 0


def _say(message: str) -> None:
    print(message, flush=True)
