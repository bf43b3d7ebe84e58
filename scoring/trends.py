"""Trends over per-day, per-hour tallies, and period-over-period comparison.

The kiosk keeps ``DayHours``: local day -> {local hour 0–23 -> Tally}; a
missing day or hour means no answers. Every function here merges those
tallies without copying the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date

from .comparison import Z_TEST as TEST_NAME
from .comparison import Comparison, compare
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
    "group_days",
    "TEST_NAME",
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


def group_days(
    days: Iterable[tuple[date, Tally]], unit: str, *, scale: tuple[int, int] = _DEFAULT_SCALE
) -> list[tuple[date, Tally]]:
    """Merge day tallies into ``"day"``, ``"week"`` (Monday first) or ``"month"`` buckets.

    Each bucket is keyed by its first day and holds the SUM of its days'
    answers — so its CSAT is the share of satisfied answers over the whole
    bucket, never the best (or worst) of its days: a bad week stays visible
    when a long period is drawn in few points. Buckets come out in order.
    """
    if unit not in ("day", "week", "month"):
        raise ValueError(f"unit must be 'day', 'week' or 'month', got {unit!r}")
    buckets: dict[date, Tally] = {}
    for day, tally in days:
        if unit == "week":
            key = date.fromordinal(day.toordinal() - day.weekday())
        elif unit == "month":
            key = day.replace(day=1)
        else:
            key = day
        if key not in buckets:
            buckets[key] = Tally(*scale)
        buckets[key].update(tally)
    return sorted(buckets.items())
