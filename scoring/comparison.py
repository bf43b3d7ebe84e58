"""Is the CSAT of one period really different from another's?

Two proportions of satisfied answers, ``x₁/n₁`` (current) and ``x₂/n₂``
(previous), are compared with a two-sided test:

- **Fisher's exact test** when counts are small (an expected cell count
  below 5 — Cochran's rule — or fewer than :data:`EXACT_BELOW` answers in
  all): the p-value is
  the probability, under the hypergeometric law of the 2×2 table with fixed
  margins, of every table at most as likely as the one observed;
- the **pooled two-proportion z-test** otherwise, where the normal
  approximation is good and the exact sum would cost O(n).

"A real change" needs more than a small p-value: both periods must have at
least ``min_responses`` answers (:attr:`Comparison.verdict`), so three 1s
yesterday against three 5s today is "too few answers to compare", not a
real change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from .csat import check_threshold, csat_percent
from .tally import Tally

__all__ = [
    "Comparison",
    "Verdict",
    "compare",
    "fisher_exact",
    "two_proportion_z",
    "hours_until",
    "EXACT_BELOW",
    "Z_TEST",
    "FISHER",
]

Z_TEST = "two-proportion z-test (pooled)"
FISHER = "Fisher's exact test"
#: Below this many answers in both periods together, the exact test is used.
EXACT_BELOW = 40

Verdict = Literal["real change", "within chance", "too few answers", "nothing to compare"]


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test on the 2×2 table
    ``[[x1, n1 − x1], [x2, n2 − x2]]``.

    With ``K = x1 + x2`` successes among ``N = n1 + n2``, the first row's
    count ``X`` follows the hypergeometric law
    ``P(X = k) = C(K, k) C(N − K, n1 − k) / C(N, n1)``; the p-value sums
    ``P(X = k)`` over every ``k`` with ``P(X = k) ≤ P(X = x1)`` (with a
    relative tolerance of 1e-7, as R and SciPy do). O(min(n1, K)).
    ValueError on counts that do not make a table.
    """
    for name, value in (("x1", x1), ("n1", n1), ("x2", x2), ("n2", n2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if x1 > n1 or x2 > n2:
        raise ValueError(f"successes cannot exceed answers: {x1}/{n1}, {x2}/{n2}")
    total, successes = n1 + n2, x1 + x2
    if total == 0:
        return 1.0
    low, high = max(0, n1 - (total - successes)), min(successes, n1)
    log_all = _log_choose(total, n1)

    def log_p(k: int) -> float:
        return _log_choose(successes, k) + _log_choose(total - successes, n1 - k) - log_all

    observed = log_p(x1)
    limit = observed + math.log1p(1e-7)
    p = sum(math.exp(lp) for lp in map(log_p, range(low, high + 1)) if lp <= limit)
    return min(1.0, p)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test::

        p̂ = (x₁ + x₂) / (n₁ + n₂)
        z = (x₁/n₁ − x₂/n₂) / √(p̂ (1 − p̂) (1/n₁ + 1/n₂))
        p = 2 Φ(−|z|)

    1.0 when there is no variance (p̂ is 0 or 1). Both n must be positive.
    """
    if n1 <= 0 or n2 <= 0:
        raise ValueError(f"both sides need answers, got n1={n1}, n2={n2}")
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return min(1.0, 2.0 * NormalDist().cdf(-abs(z)))


def _needs_exact(x1: int, n1: int, x2: int, n2: int) -> bool:
    total = n1 + n2
    if total < EXACT_BELOW:
        return True
    successes = x1 + x2
    expected = (n * k / total for n in (n1, n2) for k in (successes, total - successes))
    return min(expected) < 5


@dataclass(frozen=True)
class Comparison:
    """CSAT of two periods and whether the change is more than noise.

    ``current``/``previous`` are CSAT percents (None when that side has no
    answer), ``change`` is ``current − previous`` in percentage points,
    ``current_n``/``previous_n`` the answers on each side. ``significant``
    is the test alone (``p_value < alpha``); :attr:`verdict` also asks for
    ``min_responses`` answers on each side.
    """

    current: float | None
    previous: float | None
    change: float | None
    significant: bool
    p_value: float | None
    test: str = Z_TEST
    current_n: int = 0
    previous_n: int = 0
    min_responses: int = 0

    @property
    def enough(self) -> bool:
        """Both periods have at least ``min_responses`` answers (and at least one)."""
        floor = max(1, self.min_responses)
        return self.current_n >= floor and self.previous_n >= floor

    @property
    def verdict(self) -> Verdict:
        if self.change is None:
            return "nothing to compare"
        if not self.enough:
            return "too few answers"
        return "real change" if self.significant else "within chance"


def compare(
    current: Tally,
    previous: Tally,
    threshold: int = 4,
    alpha: float = 0.05,
    min_responses: int = 0,
) -> Comparison:
    """Compare the CSAT (share of answers ≥ ``threshold``) of two tallies.

    Fisher's exact test for small counts, the pooled z-test otherwise (see the
    module doc). ``significant`` is ``p_value < alpha``. When either side has
    no answer, ``change`` and ``p_value`` are None.
    """
    if not isinstance(current, Tally) or not isinstance(previous, Tally):
        raise ValueError("compare needs two Tally objects")
    if current.scale != previous.scale:
        raise ValueError(
            f"cannot compare tallies on different scales: {current.scale} and {previous.scale}"
        )
    check_threshold(current, threshold)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    if isinstance(min_responses, bool) or not isinstance(min_responses, int) or min_responses < 0:
        raise ValueError(f"min_responses must be a non-negative integer, got {min_responses!r}")
    cur = csat_percent(current, threshold)
    prev = csat_percent(previous, threshold)
    if cur is None or prev is None:
        return Comparison(cur, prev, None, False, None, Z_TEST, current.n, previous.n,
                          min_responses)
    x1, n1 = current.at_least(threshold), current.n
    x2, n2 = previous.at_least(threshold), previous.n
    if _needs_exact(x1, n1, x2, n2):
        p_value, test = fisher_exact(x1, n1, x2, n2), FISHER
    else:
        p_value, test = two_proportion_z(x1, n1, x2, n2), Z_TEST
    return Comparison(cur, prev, cur - prev, p_value < alpha, p_value, test, n1, n2, min_responses)


def hours_until(hours: Mapping[int, Tally], last_hour: int, scale: tuple[int, int] = (1, 5)
                ) -> Tally:
    """The answers of one day's local hours ``0..last_hour`` (both included) merged:
    "today so far" set against the same hours of another day."""
    if isinstance(last_hour, bool) or not isinstance(last_hour, int) or not 0 <= last_hour <= 23:
        raise ValueError(f"last_hour must be 0..23, got {last_hour!r}")
    acc = Tally(*scale)
    for hour, tally in hours.items():
        if hour <= last_hour:
            acc.update(tally)
    return acc
