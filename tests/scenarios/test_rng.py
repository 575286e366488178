"""The citizens' random streams (:mod:`scenarios.rng`): lehmer64 checked against Lemire's reference
code, the draws' ranges and distributions, seeding, and the size that is the point of it."""

from __future__ import annotations

import random
import sys
from collections import Counter

import pytest
from scipy import stats

from scenarios.rng import Rng, Stream

REFERENCE_STATE = (0x0123456789ABCDEF << 64) | 0xFEDCBA9876543211
REFERENCE_OUTPUTS = (
    8402288084708883056,
    16567443607601907502,
    17461985860074653223,
    15862343962365696019,
    14709581811086914210,
)
"""``lehmer64()`` of Lemire's reference code (``lehmer64.h``, github.com/lemire/testingRNG) from the state
above, compiled with gcc 12 on x86-64 (``g_lehmer64_state *= 0xda942042e4dd58b5; return state >> 64``)."""

REFERENCE_1001ST_FROM_1 = 14604209966524619316
"""The same code's 1,001st output from the state 1."""


def test_outputs_match_the_reference_code() -> None:
    stream = Stream(REFERENCE_STATE)
    assert tuple(stream.next64() for _ in REFERENCE_OUTPUTS) == REFERENCE_OUTPUTS
    from_one = Stream(1)
    for _ in range(1000):
        from_one.next64()
    assert from_one.next64() == REFERENCE_1001ST_FROM_1


def test_random_is_the_outputs_top_53_bits() -> None:
    a, b = Stream(REFERENCE_STATE), Stream(REFERENCE_STATE)
    for _ in range(100):
        assert a.random() == (b.next64() >> 11) / 2**53
    assert Stream(REFERENCE_STATE).getrandbits(64) == REFERENCE_OUTPUTS[0]
    assert Stream(REFERENCE_STATE).uniform(2.0, 4.0) == 2.0 + 2.0 * ((REFERENCE_OUTPUTS[0] >> 11) / 2**53)
    assert Stream(REFERENCE_STATE).choice(range(7)) == REFERENCE_OUTPUTS[0] * 7 >> 64  # multiply-shift
    assert Stream(REFERENCE_STATE).getrandbits(8) == REFERENCE_OUTPUTS[0] >> 56
    assert Stream(REFERENCE_STATE).getrandbits(0) == 0
    with pytest.raises(ValueError, match=r"k: need 0\.\.64 bits, got 65"):
        Stream(1).getrandbits(65)


def test_string_seeds_are_reproducible_and_distinct() -> None:
    draws = [Stream("1/0/7").random() for _ in range(3)]
    assert draws[0] == draws[1] == draws[2]
    assert Stream("1/0/7").random() != Stream("1/0/8").random()
    with pytest.raises(TypeError, match="seed: need a str or an int, got True"):
        Stream(True)  # a bool is an int to Python, refused on purpose


def test_uniform_and_integer_draws_cover_their_ranges_evenly() -> None:
    stream = Stream("uniformity")
    n = 60_000
    unit = [stream.random() for _ in range(n)]
    assert min(unit) >= 0.0
    assert max(unit) < 1.0
    assert stats.kstest(unit, "uniform").pvalue > 1e-3  # fixed seed: deterministic
    faces = Counter(stream.randint(1, 6) for _ in range(n))
    assert set(faces) == {1, 2, 3, 4, 5, 6}
    assert stats.chisquare(list(faces.values())).pvalue > 1e-3
    steps = Counter(stream.randrange(10, 0, -3) for _ in range(3000))
    assert set(steps) == set(range(10, 0, -3))
    assert {stream.randrange(5) for _ in range(500)} == set(range(5))
    assert all(2.0 <= stream.uniform(2.0, 3.5) < 3.5 for _ in range(1000))
    letters = Counter(stream.choice("abcd") for _ in range(8000))
    assert stats.chisquare(list(letters.values())).pvalue > 1e-3


def test_choices_follow_weights_like_random_choices() -> None:
    stream = Stream("weights")
    drawn = Counter(stream.choices("abc", weights=[1, 2, 7], k=20_000))
    assert stats.chisquare([drawn[c] for c in "abc"], [2000, 4000, 14000]).pvalue > 1e-3
    cum = Counter(stream.choices("abc", cum_weights=[1, 3, 10], k=20_000))
    assert stats.chisquare([cum[c] for c in "abc"], [2000, 4000, 14000]).pvalue > 1e-3
    assert set(stream.choices("xy", k=200)) == {"x", "y"}


def test_bad_draws_are_refused_like_random_does() -> None:
    stream = Stream(1)
    with pytest.raises(IndexError, match="empty sequence"):
        stream.choice([])
    with pytest.raises(ValueError, match="empty range"):
        stream.randint(3, 2)
    with pytest.raises(ValueError, match="empty range"):
        stream.randrange(0)
    with pytest.raises(TypeError, match="weights or cum_weights"):
        stream.choices("ab", weights=[1, 1], cum_weights=[1, 2])
    with pytest.raises(ValueError, match="does not match"):
        stream.choices("ab", cum_weights=[1])
    with pytest.raises(ValueError, match="greater than zero"):
        stream.choices("ab", weights=[0, 0])


def test_a_stream_is_a_small_fraction_of_a_mersenne_twister() -> None:
    stream = Stream("size")
    own = sys.getsizeof(stream) + sys.getsizeof(stream.next64() << 64)  # the object and its 128-bit state
    assert own < 120
    assert sys.getsizeof(random.Random(1)) > 2400


def _draw_twice(rng: Rng) -> tuple[float, int]:
    return rng.random(), rng.randint(1, 6)


def test_random_random_is_an_rng_too() -> None:
    """Tests and one-off uses may pass ``random.Random`` wherever an :class:`Rng` is drawn from."""
    assert _draw_twice(random.Random(3)) == _draw_twice(random.Random(3))
    assert _draw_twice(Stream(3)) == _draw_twice(Stream(3))
