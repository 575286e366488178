"""Runs the gate refuses to judge: exit 2 with the reason, before any verdict."""

from __future__ import annotations

import pytest

from gate.engine import GateOptions, run_gate
from gate.errors import GateInputError, InvalidRunError
from gate.measure import RunDoc
from gate.validity import ValidityRules
from results.slo import parse_thresholds
from tests.gate.factory import HEALTHZ, PROCEDURES, Endpoint, make_doc

GOOD = RunDoc("base.json", make_doc(1))


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        (make_doc(2, valid=False), "cand.json: the drill marked the run invalid: generator CPU 97% > 90%"),
        (
            make_doc(2, generator_cpu=97.0),
            "cand.json: phase 'steady': load generator saturated: CPU mean 97%",
        ),
        (make_doc(2, endpoints={PROCEDURES: Endpoint(8.0, 150)}), "cand.json: too few samples: 150 requests"),
        (make_doc(2, scenario="soak"), "scenarios differ (base.json: 'smoke', cand.json: 'soak')"),
    ],
)
def test_invalid_runs_are_refused_with_the_reason(candidate: object, reason: str) -> None:
    with pytest.raises(InvalidRunError) as caught:
        run_gate([GOOD], [RunDoc("cand.json", candidate)], GateOptions())  # type: ignore[arg-type]
    assert reason in str(caught.value)
    assert caught.value.exit_code == 2


def test_the_limits_are_settings() -> None:
    busy = RunDoc("cand.json", make_doc(2, generator_cpu=97.0))
    assert run_gate([GOOD], [busy], GateOptions(validity=ValidityRules(max_generator_cpu_percent=99))).checks
    with pytest.raises(InvalidRunError, match="need >= 99999"):
        run_gate([GOOD], [busy], GateOptions(validity=ValidityRules(min_samples=99_999)))


def test_too_few_calibration_samples_are_refused() -> None:
    thin = {HEALTHZ: Endpoint(1.0, 10), PROCEDURES: Endpoint(8.0, 3000)}
    cand = RunDoc("cand.json", make_doc(2, endpoints=thin))
    with pytest.raises(
        InvalidRunError, match=r"cand\.json: calibration endpoint 'GET /healthz' has 10 samples"
    ):
        run_gate([GOOD], [cand], GateOptions(calibrate=HEALTHZ))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (GateOptions(phases=("ramp",)), "--phase='ramp': base.json has no such phase"),
        (GateOptions(calibrate="GET /nowhere"), "--calibrate='GET /nowhere': base.json: no endpoint"),
        (GateOptions(calibrate="run"), "must name an endpoint"),
        (GateOptions(thresholds=parse_thresholds("p95(GET /nope) < 1s", source="t")), "t:1: p95(GET /nope)"),
        (
            GateOptions(thresholds=parse_thresholds("p95(run) < 9x", source="t")),
            "a limit in x needs --calibrate",
        ),
    ],
)
def test_bad_input_names_the_option_or_line(options: GateOptions, message: str) -> None:
    with pytest.raises(GateInputError) as caught:
        run_gate([GOOD], [RunDoc("cand.json", make_doc(2))], options)
    assert message in str(caught.value)


def test_nothing_to_check_and_duplicates_are_input_errors() -> None:
    with pytest.raises(GateInputError, match="nothing to check"):
        run_gate([], [GOOD], GateOptions())
    with pytest.raises(GateInputError, match="given twice"):
        run_gate([GOOD], [GOOD], GateOptions())
