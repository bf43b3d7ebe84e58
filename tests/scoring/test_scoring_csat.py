from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Tally, csat_interval, csat_percent, distribution, mean_score, wilson_interval

Z95 = 1.959963984540054


def seed_003() -> Tally:
    # 100 customers asked, 70 gave 4 or more.
    return Tally.of([5] * 40 + [4] * 30 + [3] * 20 + [2] * 6 + [1] * 4)


def test_seed_003_worked_example() -> None:
    assert csat_percent(seed_003()) == 70.0


def test_mean_score() -> None:
    assert mean_score(seed_003()) == pytest.approx((200 + 120 + 60 + 12 + 4) / 100)
    assert mean_score(Tally.of([1, 2])) == 1.5
    assert mean_score(Tally()) is None


def test_empty_tally_figures_are_none() -> None:
    t = Tally()
    assert csat_percent(t) is None
    assert csat_interval(t) is None
    assert distribution(t) == {s: (0, 0.0) for s in range(1, 6)}


def test_single_response() -> None:
    assert csat_percent(Tally.of([4])) == 100.0
    assert csat_percent(Tally.of([3])) == 0.0
    assert mean_score(Tally.of([3])) == 3.0
    low, high = csat_interval(Tally.of([3]))  # type: ignore[misc]
    assert low == 0.0 and 0.0 < high < 100.0


def test_all_fives() -> None:
    t = Tally.of([5] * 25)
    assert csat_percent(t) == 100.0
    low, high = csat_interval(t)  # type: ignore[misc]
    assert high == 100.0
    assert low == pytest.approx(100 * 25 / (25 + Z95**2))


def test_ten_point_scale_thresholds() -> None:
    t = Tally.of([10, 9, 9, 8, 8, 7, 5, 3, 1, 10], 1, 10)
    assert csat_percent(t, threshold=8) == 60.0
    assert csat_percent(t, threshold=9) == 40.0
    assert mean_score(t) == 7.0


@pytest.mark.parametrize("threshold", [0, 6, True, 4.0])
def test_threshold_outside_scale(threshold: object) -> None:
    with pytest.raises(ValueError):
        csat_percent(Tally.of([5]), threshold)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        csat_interval(Tally.of([5]), threshold)  # type: ignore[arg-type]


def test_threshold_is_checked_even_when_empty() -> None:
    with pytest.raises(ValueError, match="outside the scale"):
        csat_percent(Tally(), 6)


def test_flagged_excluded_unless_combined() -> None:
    t = Tally.of([5, 5, 5])
    t.add(1, flagged=True)
    assert csat_percent(t) == 100.0
    assert csat_percent(t.combined()) == 75.0


def test_distribution_counts_and_percents() -> None:
    d = distribution(seed_003())
    assert list(d) == [1, 2, 3, 4, 5]
    assert d[5] == (40, 40.0)
    assert d[1] == (4, 4.0)
    assert sum(p for _, p in d.values()) == pytest.approx(100.0)


def test_wilson_70_of_100() -> None:
    low, high = wilson_interval(70, 100)  # type: ignore[misc]
    assert low == pytest.approx(60.4151, abs=1e-3)
    assert high == pytest.approx(78.1051, abs=1e-3)
    assert csat_interval(seed_003()) == (low, high)


def test_wilson_0_of_10_and_10_of_10() -> None:
    # p̂ = 0: upper = (z²/n) / (1 + z²/n); p̂ = 1 mirrors it.
    edge = 100 * (Z95**2 / 10) / (1 + Z95**2 / 10)
    low, high = wilson_interval(0, 10)  # type: ignore[misc]
    assert low == 0.0
    assert high == pytest.approx(edge)
    assert high == pytest.approx(27.753, abs=1e-3)
    low, high = wilson_interval(10, 10)  # type: ignore[misc]
    assert high == 100.0
    assert low == pytest.approx(100 - edge)


def test_wilson_confidence_widens() -> None:
    l90, h90 = wilson_interval(70, 100, 0.90)  # type: ignore[misc]
    l99, h99 = wilson_interval(70, 100, 0.99)  # type: ignore[misc]
    assert l99 < l90 and h90 < h99


def test_wilson_empty_and_errors() -> None:
    assert wilson_interval(0, 0) is None
    for args in [(-1, 10), (11, 10), (1.0, 10), (1, 10.0), (True, 10)]:
        with pytest.raises(ValueError):
            wilson_interval(*args)  # type: ignore[arg-type]
    for conf in [0.0, 1.0, 95, -0.5, "0.95"]:
        with pytest.raises(ValueError, match="confidence"):
            wilson_interval(7, 10, conf)  # type: ignore[arg-type]


tallies = st.lists(st.integers(1, 5), max_size=200).map(Tally.of)


@given(tallies, st.integers(1, 5))
def test_csat_within_bounds(t: Tally, threshold: int) -> None:
    c = csat_percent(t, threshold)
    if t.n == 0:
        assert c is None
    else:
        assert c is not None and 0.0 <= c <= 100.0


@given(st.integers(0, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.floats(0.5, 0.999))
def test_wilson_contains_estimate(pair: tuple[int, int], confidence: float) -> None:
    x, n = pair
    interval = wilson_interval(x, n, confidence)
    if n == 0:
        assert interval is None
        return
    assert interval is not None
    low, high = interval
    assert 0.0 <= low <= 100 * x / n <= high <= 100.0
    assert not math.isnan(low) and not math.isnan(high)


@given(tallies)
def test_distribution_percents_sum_to_100(t: Tally) -> None:
    d = distribution(t)
    assert sum(c for c, _ in d.values()) == t.n
    if t.n:
        assert sum(p for _, p in d.values()) == pytest.approx(100.0)
