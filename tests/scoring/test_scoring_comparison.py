"""Honest comparisons: Fisher's exact test for small counts, min_responses before 'a real change'."""
from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Tally, compare, fisher_exact, group_days, hours_until, two_proportion_z
from scoring.comparison import FISHER, Z_TEST


def sat(x: int, n: int) -> Tally:
    return Tally.of([5] * x + [1] * (n - x))


def brute_fisher(x1: int, n1: int, x2: int, n2: int) -> float:
    """The textbook definition with exact integers (math.comb), as an independent check."""
    total, k = n1 + n2, x1 + x2
    def p(a: int) -> float:
        return math.comb(k, a) * math.comb(total - k, n1 - a) / math.comb(total, n1)
    support = range(max(0, n1 - (total - k)), min(k, n1) + 1)
    observed = p(x1)
    return sum(p(a) for a in support if p(a) <= observed * (1 + 1e-7))


def test_fisher_matches_published_values() -> None:
    # Fisher's lady tasting tea: 3 of 4 right, one-sided 0.243, two-sided 0.486
    assert fisher_exact(3, 4, 1, 4) == pytest.approx(0.4857, abs=1e-4)
    # the case: three 5s today against three 1s yesterday
    assert fisher_exact(3, 3, 0, 3) == pytest.approx(0.1)
    # R: fisher.test(matrix(c(10, 2, 3, 15), 2)) -> p = 0.0005367
    assert fisher_exact(10, 13, 2, 17) == pytest.approx(0.0005367, rel=1e-3)


@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_fisher_equals_the_exact_integer_definition(a: int, b: int, c: int, d: int) -> None:
    x1, n1, x2, n2 = a, a + b, c, c + d
    assert fisher_exact(x1, n1, x2, n2) == pytest.approx(brute_fisher(x1, n1, x2, n2), rel=1e-9,
                                                         abs=1e-12)


def test_fisher_refuses_impossible_tables() -> None:
    with pytest.raises(ValueError):
        fisher_exact(4, 3, 0, 3)
    with pytest.raises(ValueError):
        fisher_exact(-1, 3, 0, 3)
    assert fisher_exact(0, 0, 0, 0) == 1.0


def test_three_against_three_is_not_a_real_change() -> None:
    c = compare(sat(3, 3), sat(0, 3), min_responses=30)
    assert c.change == 100.0 and c.test == FISHER
    assert c.p_value == pytest.approx(0.1) and not c.significant
    assert c.verdict == "too few answers"


def test_small_samples_are_too_few_even_when_the_test_holds() -> None:
    c = compare(sat(20, 20), sat(0, 20), min_responses=30)
    assert c.significant and c.verdict == "too few answers"
    assert compare(sat(20, 20), sat(0, 20), min_responses=20).verdict == "real change"


def test_large_samples_use_the_z_test_and_match_its_formula() -> None:
    c = compare(sat(900, 1000), sat(860, 1000), min_responses=30)
    assert c.test == Z_TEST
    assert c.p_value == pytest.approx(two_proportion_z(900, 1000, 860, 1000))
    assert c.verdict == "real change"
    same = compare(sat(900, 1000), sat(895, 1000), min_responses=30)
    assert same.verdict == "within chance"


def test_a_rare_outcome_in_a_large_sample_still_uses_the_exact_test() -> None:
    c = compare(sat(998, 1000), sat(1000, 1000))  # expected unsatisfied cells < 5
    assert c.test == FISHER and c.p_value == pytest.approx(brute_fisher(998, 1000, 1000, 1000))


def test_nothing_to_compare() -> None:
    assert compare(sat(5, 5), Tally()).verdict == "nothing to compare"


def test_hours_until_keeps_the_same_hours() -> None:
    day = {8: sat(2, 2), 9: sat(1, 1), 14: sat(0, 5)}
    assert hours_until(day, 9) == sat(3, 3)
    assert hours_until(day, 23).n == 8
    with pytest.raises(ValueError):
        hours_until(day, 24)


def test_group_by_week_counts_answers_so_the_worst_week_shows() -> None:
    monday = date(2026, 3, 2)
    days = [(date.fromordinal(monday.toordinal() + i), sat(9, 10) if i < 7 else sat(1, 10))
            for i in range(14)]
    weeks = group_days(days, "week")
    assert [d for d, _ in weeks] == [monday, date(2026, 3, 9)]
    assert [t.n for _, t in weeks] == [70, 70]
    assert [t.at_least(4) for _, t in weeks] == [63, 7]  # the bad week is all there
    months = group_days([(date(2026, 1, 31), sat(1, 1)), (date(2026, 2, 1), sat(0, 2))], "month")
    assert [(d, t.n) for d, t in months] == [(date(2026, 1, 1), 1), (date(2026, 2, 1), 2)]
    with pytest.raises(ValueError):
        group_days(days, "year")
