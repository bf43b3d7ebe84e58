"""Trends over per-day, per-hour tallies, and period-over-period comparison.

The kiosk keeps ``DayHours``: local day -> {local hour 0–23 -> Tally}; a
missing day or hour means no answers. Every function here merges those
tallies without copying the input.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

from .csat import check_threshold, csat_percent
from .periods import Period
from .tally import Tally

__all__ = [
    "DayHours",
    "Comparison",
    "total",
    "by_day",
    "by_hour",
    "by_weekday",
    "compare",
]

DayHours = Mapping[date, Mapping[int, Tally]]

_DEFAULT_SCALE = (1, 5)


def _hours(days: DayHours, period: Period | None) -> Iterator[tuple[date, int, Tally]]:
    """Every (day, hour, tally) of ``days`` inside ``period`` (all when None)."""
    if period is not None and period.days < len(days):
        items = ((d, days[d]) for d in period.dates() if d in days)
    else:
        items = (
            (d, hours) for d, hours in days.items() if period is None or period.contains(d)
        )
    for d, hours in items:
        for hour, tally in hours.items():
            if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
                raise ValueError(f"hour keys must be 0..23, got {hour!r} on {d}")
            if not isinstance(tally, Tally):
                raise ValueError(f"expected a Tally for {d} hour {hour}, got {tally!r}")
            yield d, hour, tally


def _scale_of(days: DayHours, scale: tuple[int, int] | None) -> tuple[int, int]:
    if scale is not None:
        return scale
    for hours in days.values():
        for tally in hours.values():
            if isinstance(tally, Tally):
                return tally.scale
    return _DEFAULT_SCALE


def total(
    days: DayHours, period: Period | None = None, *, scale: tuple[int, int] | None = None
) -> Tally:
    """All answers of the period merged into one Tally (everything when ``period`` is None).

    ``scale`` is the scale of the result; by default that of the data, or 1–5
    when there is none. ValueError if tallies of another scale are met.
    """
    acc = Tally(*_scale_of(days, scale))
    for _, _, tally in _hours(days, period):
        acc.update(tally)
    return acc


def by_day(
    days: DayHours, period: Period | None = None, *, scale: tuple[int, int] | None = None
) -> list[tuple[date, Tally]]:
    """One ``(day, Tally)`` for EVERY day of the period, in order (empty Tally if no answer).

    With ``period`` None: from the first to the last day with data (``[]`` if none).
    """
    sc = _scale_of(days, scale)
    if period is None:
        if not days:
            return []
        period = Period(min(days), max(days))
    result: dict[date, Tally] = {d: Tally(*sc) for d in period.dates()}
    for d, _, tally in _hours(days, period):
        result[d].update(tally)
    return list(result.items())


def by_hour(
    days: DayHours, period: Period | None = None, *, scale: tuple[int, int] | None = None
) -> list[Tally]:
    """24 Tallies: entry ``h`` merges local hour ``h`` of every day of the period."""
    sc = _scale_of(days, scale)
    result = [Tally(*sc) for _ in range(24)]
    for _, hour, tally in _hours(days, period):
        result[hour].update(tally)
    return result


def by_weekday(
    days: DayHours, period: Period | None = None, *, scale: tuple[int, int] | None = None
) -> list[Tally]:
    """7 Tallies, Monday first (``date.weekday()``), over the days of the period."""
    sc = _scale_of(days, scale)
    result = [Tally(*sc) for _ in range(7)]
    for d, _, tally in _hours(days, period):
        result[d.weekday()].update(tally)
    return result


TEST_NAME = "two-proportion z-test (pooled)"


@dataclass(frozen=True)
class Comparison:
    """CSAT of two periods and whether the change is more than noise.

    ``current``/``previous`` are CSAT percents (None when that side has no
    answer), ``change`` is ``current − previous`` in percentage points.
    """

    current: float | None
    previous: float | None
    change: float | None
    significant: bool
    p_value: float | None
    test: str = TEST_NAME


def compare(
    current: Tally, previous: Tally, threshold: int = 4, alpha: float = 0.05
) -> Comparison:
    """Compare the CSAT of two tallies with a two-sided, pooled two-proportion z-test.

    With ``x₁/n₁`` and ``x₂/n₂`` satisfied answers (score ≥ threshold)::

        p̂ = (x₁ + x₂) / (n₁ + n₂)
        z = (x₁/n₁ − x₂/n₂) / √(p̂ (1 − p̂) (1/n₁ + 1/n₂))
        p_value = 2 × Φ(−|z|)

    ``significant`` is ``p_value < alpha``. When either side has no answer,
    ``change`` and ``p_value`` are None and the change is not significant.
    When the pooled ``p̂`` is 0 or 1 (everyone satisfied, or no one, on both
    sides) there is no variance: ``p_value`` is 1.0, not significant.
    The normal approximation is rough for small samples (fewer than ~5
    satisfied or unsatisfied answers per side); check ``small_sample`` too.
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
    cur = csat_percent(current, threshold)
    prev = csat_percent(previous, threshold)
    if cur is None or prev is None:
        return Comparison(cur, prev, None, False, None)
    x1, n1 = current.at_least(threshold), current.n
    x2, n2 = previous.at_least(threshold), previous.n
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        p_value = 1.0
    else:
        z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
        p_value = min(1.0, 2.0 * NormalDist().cdf(-abs(z)))
    return Comparison(cur, prev, cur - prev, p_value < alpha, p_value)
