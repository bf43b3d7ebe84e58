"""Reporting periods (inclusive ranges of local calendar days) and local bucketing.

Every day and hour here is in the kiosk's local time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

__all__ = [
    "Period",
    "period_named",
    "period_between",
    "local_day_and_hour",
    "PERIOD_NAMES",
]

#: The names :func:`period_named` documents (any ``"<N>d"`` works too).
PERIOD_NAMES = ("today", "7d", "30d")

_ONE_DAY = timedelta(days=1)


def _check_date(name: str, value: object) -> date:
    # datetime is a subclass of date: refuse it, a period is made of days.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return value


def _range_label(start: date, end: date) -> str:
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()} – {end.isoformat()}"


@dataclass(frozen=True)
class Period:
    """The local days ``start..end``, both included."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        _check_date("start", self.start)
        _check_date("end", self.end)
        if self.start > self.end:
            raise ValueError(f"a period cannot start ({self.start}) after it ends ({self.end})")
        if not self.label:
            object.__setattr__(self, "label", _range_label(self.start, self.end))

    @property
    def days(self) -> int:
        """Number of days: ``(end − start).days + 1``."""
        return (self.end - self.start).days + 1

    def contains(self, d: date) -> bool:
        """True when the day ``d`` is in the period (a datetime is refused)."""
        _check_date("d", d)
        return self.start <= d <= self.end

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and not isinstance(d, datetime) and self.start <= d <= self.end

    def dates(self) -> Iterator[date]:
        """Every day of the period, in order."""
        d = self.start
        while d <= self.end:
            yield d
            d += _ONE_DAY

    def previous(self) -> Period:
        """The period of the same number of days ending the day before ``start``."""
        end = self.start - _ONE_DAY
        start = end - timedelta(days=self.days - 1)
        return Period(start, end)


_N_DAYS = re.compile(r"([1-9][0-9]{0,4})d")


def period_named(name: str, today: date) -> Period:
    """``"today"``, or ``"<N>d"``: the N days ending today (``"7d"`` is today and the 6 days before).

    ValueError for any other name.
    """
    _check_date("today", today)
    if not isinstance(name, str):
        raise ValueError(f"a period name must be a string, got {name!r}")
    key = name.strip().lower()
    if key == "today":
        return Period(today, today, "today")
    match = _N_DAYS.fullmatch(key)
    if match is None:
        raise ValueError(
            f"unknown period {name!r}: use one of {', '.join(PERIOD_NAMES)} (or '<N>d')"
        )
    n = int(match.group(1))
    if n == 1:
        return Period(today, today, "today")
    return Period(today - timedelta(days=n - 1), today, f"last {n} days")


def period_between(
    since: date | None,
    until: date | None,
    first_day: date | None,
    today: date,
) -> Period:
    """The days ``since..until``, both included.

    ``until`` defaults to ``today``; ``since`` defaults to ``first_day`` (the first
    day with data) — so ``period_between(None, None, first_day, today)`` is "all
    time". With no data (``first_day`` None) and no ``since``, or with data that
    starts after ``until``, the period is the single day ``until``.
    ValueError when ``since`` is after ``until``.
    """
    _check_date("today", today)
    if first_day is not None:
        _check_date("first_day", first_day)
    end = today if until is None else _check_date("until", until)
    if since is not None:
        start = _check_date("since", since)
        if start > end:
            raise ValueError(f"since ({start}) is after until ({end})")
    else:
        start = first_day if first_day is not None and first_day <= end else end
    if since is None and until is None:
        label = "all time"
    elif until is None:
        label = f"since {start.isoformat()}"
    elif since is None:
        label = f"until {end.isoformat()}"
    else:
        label = _range_label(start, end)
    return Period(start, end, label)


def local_day_and_hour(ts: datetime, tz: tzinfo | None = None) -> tuple[date, int]:
    """The local calendar day and hour (0–23) of an aware timestamp.

    ``ts`` is converted to ``tz`` (default: the system's local zone, via
    ``ts.astimezone()``), so the bucket follows the wall clock: at a DST
    fall-back both 02:30 belong to hour 2 of that day; at spring-forward
    hour 2 does not exist. ValueError on a naive datetime.
    """
    if not isinstance(ts, datetime):
        raise ValueError(f"a timestamp must be a datetime, got {ts!r}")
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"timestamp {ts.isoformat()} has no timezone (naive datetime)")
    local = ts.astimezone(tz)
    return local.date(), local.hour
