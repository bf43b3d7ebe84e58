from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Tally, nps, nps_counts, nps_interval

Z95 = 1.959963984540054


def fifty_thirty_twenty() -> Tally:
    return Tally.of([10] * 25 + [9] * 25 + [8] * 15 + [7] * 15 + [6] * 10 + [0] * 10, 0, 10)


def test_nps_example() -> None:
    t = fifty_thirty_twenty()
    assert nps_counts(t) == (50, 30, 20)
    assert nps(t) == 30.0


def test_nps_accepts_counts_and_scores() -> None:
    assert nps({9: 50, 7: 30, 0: 20}) == 30.0
    assert nps({"9": 1, "0": 1}) == 0.0  # type: ignore[dict-item]
    assert nps([10, 10, 6, 8]) == 25.0


def test_boundaries_of_the_groups() -> None:
    assert nps([9]) == 100.0
    assert nps([8]) == 0.0
    assert nps([7]) == 0.0
    assert nps([6]) == -100.0
    assert nps([0]) == -100.0


def test_empty_is_none() -> None:
    assert nps(Tally(0, 10)) is None
    assert nps([]) is None
    assert nps_interval(Tally(0, 10)) is None


def test_wrong_scale_or_values() -> None:
    with pytest.raises(ValueError, match="0..10"):
        nps(Tally.of([5]))
    with pytest.raises(ValueError):
        nps([11])
    with pytest.raises(ValueError):
        nps({11: 1})
    with pytest.raises(ValueError):
        nps("910")  # type: ignore[arg-type]


def test_flagged_not_counted() -> None:
    t = Tally.of([10], 0, 10)
    t.add(0, flagged=True)
    assert nps(t) == 100.0
    assert nps(t.combined()) == 0.0


def test_nps_interval_adjusted_wald_by_hand() -> None:
    n = 103
    p, d = 50.75 / n, 20.75 / n
    s = p - d
    half = Z95 * math.sqrt((p + d - s * s) / n)
    low, high = nps_interval(fifty_thirty_twenty())  # type: ignore[misc]
    assert low == pytest.approx(100 * (s - half))
    assert high == pytest.approx(100 * (s + half))
    assert low == pytest.approx(14.05, abs=0.01)
    assert high == pytest.approx(44.20, abs=0.01)


def test_nps_interval_not_degenerate_when_all_equal() -> None:
    low, high = nps_interval([10] * 20)  # type: ignore[misc]
    assert high == 100.0
    assert low < 90.0


def test_nps_interval_confidence() -> None:
    with pytest.raises(ValueError):
        nps_interval([9], confidence=1.5)
    l80, h80 = nps_interval(fifty_thirty_twenty(), 0.80)  # type: ignore[misc]
    l99, h99 = nps_interval(fifty_thirty_twenty(), 0.99)  # type: ignore[misc]
    assert l99 < l80 < h80 < h99


@given(st.lists(st.integers(0, 10), max_size=300))
def test_nps_bounds_and_interval_contains_it(xs: list[int]) -> None:
    value = nps(xs)
    interval = nps_interval(xs)
    if not xs:
        assert value is None and interval is None
        return
    assert value is not None and interval is not None
    low, high = interval
    assert -100.0 <= low <= value <= high <= 100.0
