"""Retry behaviour: delays per backoff, jitter bounds, giving up, presets and load amplification."""

from __future__ import annotations

import random
import statistics

import pytest

from scenarios.retry import IMPATIENT, PATIENT, PRESETS, WELL_BEHAVED, RetryPolicy, policy_by_name


def test_no_backoff_retries_at_once() -> None:
    rng = random.Random(1)
    assert [IMPATIENT.delay_for(a, rng) for a in range(1, 6)] == [0.0] * 5


def test_fixed_backoff_without_jitter_is_the_base() -> None:
    policy = RetryPolicy(patience=3, backoff="fixed", base_s=7.0, max_s=10.0)
    rng = random.Random(1)
    assert [policy.delay_for(a, rng) for a in (1, 2, 3)] == [7.0, 7.0, 7.0]


def test_exponential_backoff_grows_by_factor_and_is_capped() -> None:
    policy = RetryPolicy(patience=10, backoff="exponential", base_s=1.0, factor=3.0, max_s=20.0)
    rng = random.Random(1)
    assert [policy.delay_for(a, rng) for a in range(1, 6)] == [1.0, 3.0, 9.0, 20.0, 20.0]
    assert policy.delay_for(10_000, rng) == 20.0  # no overflow for absurd attempts


def test_full_jitter_stays_below_the_raw_delay_and_averages_half() -> None:
    rng = random.Random(3)
    delays = [WELL_BEHAVED.delay_for(3, rng) for _ in range(4_000)]  # raw delay 4 s
    assert all(0.0 <= d <= 4.0 for d in delays)
    assert abs(statistics.fmean(delays) - 2.0) < 0.1  # uniform on [0, 4]: standard error ~0.018


def test_same_seed_same_decisions() -> None:
    def run(seed: int) -> list[tuple[float, bool]]:
        rng = random.Random(seed)
        return [(PATIENT.delay_for(a, rng), PATIENT.gives_up(a, rng)) for a in range(1, 4)]

    assert run(9) == run(9)
    assert run(9) != run(10)


def test_gives_up_past_patience_and_with_the_abandon_probability() -> None:
    rng = random.Random(5)
    never = RetryPolicy(patience=2, backoff="none")
    assert [never.gives_up(a, rng) for a in (1, 2, 3, 4)] == [False, False, True, True]
    sometimes = RetryPolicy(patience=100, backoff="none", abandon_probability=0.25)
    share = sum(sometimes.gives_up(1, rng) for _ in range(8_000)) / 8_000
    assert abs(share - 0.25) < 0.03  # ~6 standard errors
    assert RetryPolicy(patience=5, backoff="none", abandon_probability=1.0).gives_up(1, rng)


def test_load_amplification() -> None:
    assert WELL_BEHAVED.load_amplification(0.0) == 1.0
    assert RetryPolicy(patience=4, backoff="none").load_amplification(1.0) == 5.0
    # when most attempts fail, the impatient crowd (more retries) sends more than well-behaved clients,
    # and sends it at once (no delay), which is what makes it a storm
    assert IMPATIENT.load_amplification(0.9) > WELL_BEHAVED.load_amplification(0.9) > 1.0
    assert 1.9 < IMPATIENT.load_amplification(0.5) < 2.0  # sum of (0.5 * 0.98)^a, a = 0..10
    with pytest.raises(ValueError, match="failure_probability: must be in"):
        PATIENT.load_amplification(1.5)


def test_presets() -> None:
    assert set(PRESETS) == {"patient", "impatient", "well_behaved"}
    assert IMPATIENT.backoff == "none"
    assert IMPATIENT.patience > max(PATIENT.patience, WELL_BEHAVED.patience)
    assert WELL_BEHAVED.backoff == "exponential"
    assert WELL_BEHAVED.jitter == 1.0
    assert policy_by_name("patient") is PATIENT
    with pytest.raises(ValueError, match="retry policy: unknown 'reckless'"):
        policy_by_name("reckless")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patience": -1}, "patience: must be an integer >= 0, got -1"),
        ({"backoff": "linear"}, "backoff: must be one of none, fixed, exponential, got 'linear'"),
        ({"factor": 0.5}, "factor: must be >= 1"),
        ({"base_s": 5.0, "max_s": 1.0}, "max_s: must be >= base_s=5.0, got 1.0"),
        ({"jitter": 1.5}, r"jitter: must be in \[0, 1\], got 1.5"),
        ({"abandon_probability": -0.1}, r"abandon_probability: must be in \[0, 1\], got -0.1"),
        ({"base_s": float("nan")}, "base_s: must be a finite number"),
    ],
)
def test_bad_parameters_name_key_and_value(kwargs: dict[str, object], message: str) -> None:
    params: dict[str, object] = {"patience": 3, "backoff": "fixed"} | kwargs
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**params)  # type: ignore[arg-type]


def test_bad_attempt() -> None:
    with pytest.raises(ValueError, match=r"attempt: must be an integer >= 1 \(1 = the first retry\), got 0"):
        PATIENT.delay_for(0, random.Random(1))
