from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scoring import Period, local_day_and_hour, period_between, period_named

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 3, 15)


def test_period_basics() -> None:
    p = Period(date(2026, 3, 1), date(2026, 3, 7), "week")
    assert p.days == 7
    assert p.contains(date(2026, 3, 1)) and p.contains(date(2026, 3, 7))
    assert not p.contains(date(2026, 2, 28)) and not p.contains(date(2026, 3, 8))
    assert list(p.dates())[0] == date(2026, 3, 1)
    assert len(list(p.dates())) == 7


def test_period_rejects_reversed_or_datetimes() -> None:
    with pytest.raises(ValueError, match="after it ends"):
        Period(date(2026, 3, 2), date(2026, 3, 1), "x")
    with pytest.raises(ValueError):
        Period(datetime(2026, 3, 1), date(2026, 3, 2), "x")  # type: ignore[arg-type]


def test_previous_period() -> None:
    p = period_named("7d", TODAY)
    prev = p.previous()
    assert (prev.start, prev.end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert prev.days == 7
    assert prev.previous().end == date(2026, 3, 1)
    today = period_named("today", TODAY).previous()
    assert (today.start, today.end) == (date(2026, 3, 14), date(2026, 3, 14))
    # across a month and a leap-year February
    leap = Period(date(2024, 3, 1), date(2024, 3, 31), "march").previous()
    assert (leap.start, leap.end) == (date(2024, 1, 30), date(2024, 2, 29))


def test_named_periods() -> None:
    assert period_named("today", TODAY) == Period(TODAY, TODAY, "today")
    p7 = period_named("7d", TODAY)
    assert (p7.start, p7.end, p7.days) == (date(2026, 3, 9), TODAY, 7)
    p30 = period_named("30d", TODAY)
    assert (p30.start, p30.end, p30.days) == (date(2026, 2, 14), TODAY, 30)
    assert period_named("14d", TODAY).days == 14


@pytest.mark.parametrize("name", ["week", "", "0d", "-7d", "7", "d", "all"])
def test_unknown_period_names(name: str) -> None:
    with pytest.raises(ValueError, match="unknown period"):
        period_named(name, TODAY)


def test_period_between() -> None:
    first = date(2026, 1, 10)
    allp = period_between(None, None, first, TODAY)
    assert (allp.start, allp.end, allp.label) == (first, TODAY, "all time")
    nodata = period_between(None, None, None, TODAY)
    assert (nodata.start, nodata.end) == (TODAY, TODAY)
    rng = period_between(date(2026, 2, 1), date(2026, 2, 28), first, TODAY)
    assert (rng.start, rng.end, rng.days) == (date(2026, 2, 1), date(2026, 2, 28), 28)
    since = period_between(date(2026, 3, 1), None, first, TODAY)
    assert (since.start, since.end) == (date(2026, 3, 1), TODAY)
    until = period_between(None, date(2026, 2, 1), first, TODAY)
    assert (until.start, until.end) == (first, date(2026, 2, 1))
    before_data = period_between(None, date(2026, 1, 1), first, TODAY)
    assert (before_data.start, before_data.end) == (date(2026, 1, 1), date(2026, 1, 1))
    one = period_between(TODAY, TODAY, first, TODAY)
    assert one.days == 1


def test_period_between_errors() -> None:
    with pytest.raises(ValueError, match="after until"):
        period_between(date(2026, 3, 2), date(2026, 3, 1), None, TODAY)
    with pytest.raises(ValueError, match="after until"):
        period_between(TODAY + timedelta(days=1), None, None, TODAY)


def test_midnight_boundary() -> None:
    before = datetime(2026, 6, 1, 23, 59, 59, tzinfo=PARIS)
    after = datetime(2026, 6, 2, 0, 0, 0, tzinfo=PARIS)
    assert local_day_and_hour(before, PARIS) == (date(2026, 6, 1), 23)
    assert local_day_and_hour(after, PARIS) == (date(2026, 6, 2), 0)


def test_timestamp_converted_to_local_zone() -> None:
    # 22:30 UTC on 1 June is 00:30 the next day in Paris (UTC+2).
    utc = datetime(2026, 6, 1, 22, 30, tzinfo=UTC)
    assert local_day_and_hour(utc, PARIS) == (date(2026, 6, 2), 0)
    # the stored ISO form with its offset gives the same bucket
    stored = datetime.fromisoformat("2026-06-02T00:30:00+02:00")
    assert local_day_and_hour(stored, PARIS) == (date(2026, 6, 2), 0)


def test_default_zone_is_system_local() -> None:
    ts = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    local = ts.astimezone()
    assert local_day_and_hour(ts) == (local.date(), local.hour)


def test_dst_spring_forward_paris() -> None:
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST; hour 2 does not exist.
    last_winter = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)
    first_summer = datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC)
    assert local_day_and_hour(last_winter, PARIS) == (date(2026, 3, 29), 1)
    assert local_day_and_hour(first_summer, PARIS) == (date(2026, 3, 29), 3)
    hours = {
        local_day_and_hour(datetime(2026, 3, 28, 23, tzinfo=UTC) + timedelta(minutes=m), PARIS)[1]
        for m in range(0, 24 * 60, 15)
    }
    assert 2 not in hours and len(hours) == 23


def test_dst_fall_back_paris() -> None:
    # 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)   # 02:30+02:00
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30+01:00
    assert first.astimezone(PARIS).utcoffset() != second.astimezone(PARIS).utcoffset()
    assert local_day_and_hour(first, PARIS) == (date(2026, 10, 25), 2)
    assert local_day_and_hour(second, PARIS) == (date(2026, 10, 25), 2)
    # the same instants written with their local offsets
    assert local_day_and_hour(datetime.fromisoformat("2026-10-25T02:30:00+02:00"), PARIS) == (date(2026, 10, 25), 2)
    assert local_day_and_hour(datetime.fromisoformat("2026-10-25T02:30:00+01:00"), PARIS) == (date(2026, 10, 25), 2)
    # the day still ends at local midnight
    assert local_day_and_hour(datetime.fromisoformat("2026-10-25T23:59:59+01:00"), PARIS) == (date(2026, 10, 25), 23)
    assert local_day_and_hour(datetime.fromisoformat("2026-10-25T23:00:00+00:00"), PARIS) == (date(2026, 10, 26), 0)


def test_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_day_and_hour(datetime(2026, 6, 1, 12, 0))
    with pytest.raises(ValueError):
        local_day_and_hour(date(2026, 6, 1))  # type: ignore[arg-type]
