from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Period, Tally, by_day, by_hour, by_weekday, compare, total

MON = date(2026, 3, 2)  # a Monday


def sample() -> dict[date, dict[int, Tally]]:
    return {
        date(2026, 3, 2): {9: Tally.of([5, 5]), 17: Tally.of([1])},
        date(2026, 3, 4): {9: Tally.of([4])},
        date(2026, 3, 10): {23: Tally.of([3])},
    }


def test_total_all_and_in_period() -> None:
    days = sample()
    assert total(days) == Tally.of([5, 5, 1, 4, 3])
    week = Period(date(2026, 3, 2), date(2026, 3, 8), "week")
    assert total(days, week) == Tally.of([5, 5, 1, 4])
    assert total(days, Period(date(2026, 4, 1), date(2026, 4, 2), "empty")) == Tally()


def test_total_does_not_mutate_input() -> None:
    days = sample()
    total(days)
    assert days[date(2026, 3, 2)][9] == Tally.of([5, 5])


def test_total_of_nothing_and_scale() -> None:
    assert total({}) == Tally()
    assert total({}, scale=(0, 10)) == Tally(0, 10)
    ten = {MON: {1: Tally.of([10], 1, 10)}}
    assert total(ten).scale == (1, 10)
    with pytest.raises(ValueError, match="different scales"):
        total({MON: {1: Tally.of([5]), 2: Tally.of([10], 1, 10)}})


def test_by_day_includes_empty_days() -> None:
    week = Period(date(2026, 3, 1), date(2026, 3, 7), "week")
    rows = by_day(sample(), week)
    assert [d for d, _ in rows] == list(week.dates())
    assert len(rows) == 7
    assert rows[0] == (date(2026, 3, 1), Tally())
    assert rows[1] == (date(2026, 3, 2), Tally.of([5, 5, 1]))
    assert rows[2][1].n == 0
    assert rows[3] == (date(2026, 3, 4), Tally.of([4]))


def test_by_day_without_period_spans_data() -> None:
    rows = by_day(sample())
    assert rows[0][0] == date(2026, 3, 2) and rows[-1][0] == date(2026, 3, 10)
    assert len(rows) == 9
    assert by_day({}) == []


def test_by_hour_profile() -> None:
    hours = by_hour(sample())
    assert len(hours) == 24
    assert hours[9] == Tally.of([5, 5, 4])
    assert hours[17] == Tally.of([1])
    assert hours[23] == Tally.of([3])
    assert sum(h.n for h in hours) == 5
    week = Period(date(2026, 3, 2), date(2026, 3, 8), "week")
    assert by_hour(sample(), week)[23] == Tally()


def test_by_weekday_monday_first() -> None:
    wd = by_weekday(sample())
    assert len(wd) == 7
    assert wd[0] == Tally.of([5, 5, 1])  # Mondays
    assert wd[1] == Tally.of([3])  # Tuesday 10 March
    assert wd[2] == Tally.of([4])  # Wednesday 4 March
    assert all(t.n == 0 for t in wd[3:])


def test_bad_hour_keys() -> None:
    with pytest.raises(ValueError, match="0..23"):
        total({MON: {24: Tally.of([5])}})
    with pytest.raises(ValueError):
        by_hour({MON: {"9": Tally.of([5])}})  # type: ignore[dict-item]


@given(st.dictionaries(st.integers(0, 40), st.dictionaries(st.integers(0, 23), st.lists(st.integers(1, 5), max_size=5), max_size=4), max_size=10))
def test_views_agree_with_total(raw: dict[int, dict[int, list[int]]]) -> None:
    days = {date.fromordinal(MON.toordinal() + k): {h: Tally.of(xs) for h, xs in hs.items()} for k, hs in raw.items()}
    period = Period(MON, date.fromordinal(MON.toordinal() + 40), "p")
    whole = total(days, period)
    merged_days = Tally()
    for _, t in by_day(days, period):
        merged_days.update(t)
    assert merged_days == whole
    assert sum(by_hour(days, period), Tally()) == whole
    assert sum(by_weekday(days, period), Tally()) == whole
    assert len(by_day(days, period)) == 41


def sat(x: int, n: int) -> Tally:
    return Tally.of([5] * x + [2] * (n - x))


def test_compare_clear_difference_is_significant() -> None:
    c = compare(sat(90, 100), sat(60, 100))
    assert (c.current, c.previous, c.change) == (90.0, 60.0, 30.0)
    assert c.significant is True
    assert c.p_value is not None and c.p_value < 1e-5
    assert "z-test" in c.test


def test_compare_tiny_difference_is_not() -> None:
    c = compare(sat(71, 100), sat(70, 100))
    assert c.change == pytest.approx(1.0)
    assert c.significant is False
    assert c.p_value == pytest.approx(0.877, abs=1e-3)


def test_compare_direction_and_alpha() -> None:
    down = compare(sat(60, 100), sat(90, 100))
    assert down.change == -30.0 and down.significant
    # p ≈ 0.03 with 80/100 vs 67/100: significant at 0.05, not at 0.01
    c05 = compare(sat(80, 100), sat(67, 100), alpha=0.05)
    c01 = compare(sat(80, 100), sat(67, 100), alpha=0.01)
    assert c05.p_value == c01.p_value
    assert c05.significant and not c01.significant


def test_compare_empty_side() -> None:
    c = compare(sat(9, 10), Tally())
    assert (c.current, c.previous, c.change, c.significant, c.p_value) == (90.0, None, None, False, None)
    c = compare(Tally(), Tally())
    assert (c.current, c.previous, c.change, c.significant, c.p_value) == (None, None, None, False, None)


def test_compare_without_variance() -> None:
    c = compare(sat(10, 10), sat(50, 50))
    assert (c.change, c.significant, c.p_value) == (0.0, False, 1.0)
    c = compare(sat(0, 10), sat(0, 3))
    assert (c.change, c.significant, c.p_value) == (0.0, False, 1.0)


def test_compare_errors() -> None:
    with pytest.raises(ValueError, match="different scales"):
        compare(Tally(), Tally(1, 10))
    with pytest.raises(ValueError):
        compare(sat(1, 2), sat(1, 2), threshold=6)
    with pytest.raises(ValueError, match="alpha"):
        compare(sat(1, 2), sat(1, 2), alpha=0)
