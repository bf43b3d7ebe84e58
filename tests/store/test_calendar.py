"""One calendar: the configured zone decides every day and hour, whatever the
zone of the process that reads or writes (TZ), at 00:05, 23:59 and across DST."""
from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.data.stats import stats_summary
from kiosk.models import Response, new_response_id
from kiosk.store.localtime import Calendar, system_zone_name
from kiosk.store.response_store import ResponseStore
from kiosk.views.dashboard import Dashboard

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"]
# A DST change day of each zone (Lord Howe moves by 30 minutes).
DST_DAYS = {"UTC": date(2026, 3, 29), "Europe/Paris": date(2026, 3, 29),
            "America/New_York": date(2026, 3, 8), "Australia/Lord_Howe": date(2026, 4, 5)}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=ZONES)
def zone(request, monkeypatch):
    """The configured zone; the process itself runs in a *different* zone."""
    others = [z for z in ZONES if z != request.param and z != "UTC"]
    monkeypatch.setenv("TZ", others[0])
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def at(zone: str, day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def make(when: datetime, score: int = 4, **extra) -> Response:
    return Response(id=new_response_id(), timestamp=when, kiosk="k", question="q",
                    score=score, label=f"L{score}", language="en", **extra)


def test_system_zone_is_found_by_name(tmp_path):
    assert system_zone_name({"TZ": "Europe/Paris"}) == "Europe/Paris"
    assert system_zone_name({"TZ": ":America/New_York"}) == "America/New_York"
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Australia/Lord_Howe")
    assert system_zone_name({}, localtime=link, timezone_file=tmp_path / "none") == \
        "Australia/Lord_Howe"
    named = tmp_path / "timezone"
    named.write_text("Europe/Paris\n")
    assert system_zone_name({}, localtime=tmp_path / "none", timezone_file=named) == \
        "Europe/Paris"
    assert system_zone_name({"TZ": "CET-1CEST"}, localtime=tmp_path / "none",
                            timezone_file=tmp_path / "none") == "UTC"


def test_config_timezone_key(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[kiosk]\ntimezone = "Australia/Lord_Howe"\n')
    assert load_config(config).kiosk.timezone == "Australia/Lord_Howe"
    config.write_text('[kiosk]\ntimezone = "Europe/Pariss"\n')
    with pytest.raises(ConfigError, match=r"\[kiosk\] timezone: unknown time zone 'Europe/Pariss'"):
        load_config(config)
    config.write_text('[kiosk]\ntimezone = "../../etc/passwd"\n')
    with pytest.raises(ConfigError, match="not an IANA time zone name"):
        load_config(config)
    config.write_text('[kiosk]\nid = "x"\n')
    monkeypatch.setenv("TZ", "America/New_York")
    assert load_config(config).kiosk.timezone == "America/New_York"  # the system's, by name


@pytest.mark.parametrize("hour,minute", [(0, 5), (23, 59)])
def test_a_tap_is_filed_and_counted_in_the_configured_zone(tmp_path, zone, hour, minute):
    day = date(2026, 11, 20)
    now = at(zone, day, hour, minute)
    store = ResponseStore(tmp_path, tz=zone, clock=lambda: now).open_writer()
    response = make(store.calendar.now())
    assert response.timestamp.utcoffset() == now.utcoffset()
    assert store.record(response).wait(5)
    store.close()
    reader = ResponseStore(tmp_path, tz=zone, clock=lambda: now)
    assert reader.days() == [day] and reader.day_path(day).exists()
    assert reader.today() == day
    assert list(reader.day_hours()[day]) == [hour]
    assert reader.future_dated() == 0


def test_dst_change_day_hours_follow_the_wall_clock(tmp_path, zone):
    day = DST_DAYS[zone]
    tz = ZoneInfo(zone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    # Every 30 minutes of real time over the whole local day.
    stamps = [(start + timedelta(minutes=30 * i)).astimezone(tz) for i in range(50)]
    stamps = [s for s in stamps if s.date() == day]
    store = ResponseStore(tmp_path, tz=zone)
    store.write_now(make(s) for s in stamps)
    store.close()
    expected: dict[int, int] = {}
    for s in stamps:
        expected[s.hour] = expected.get(s.hour, 0) + 1
    hours = ResponseStore(tmp_path, tz=zone).day_hours()
    assert {h: t.n for h, t in hours[day].items()} == expected
    assert sum(expected.values()) == len(stamps) and ResponseStore(tmp_path, tz=zone).days() == [day]


def test_summaries_record_their_zone_and_are_rebuilt_in_another(tmp_path):
    noon_utc = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    store = ResponseStore(tmp_path, tz="UTC")
    store.write_now([make(noon_utc)])
    store.close()
    assert ResponseStore(tmp_path, tz="UTC").day_hours()[date(2026, 11, 20)].keys() == {12}
    cache = json.loads((tmp_path / "summaries.json").read_text())
    assert cache["zone"] == "UTC"
    paris = ResponseStore(tmp_path, tz="Europe/Paris")
    assert paris.day_hours()[date(2026, 11, 20)].keys() == {13}  # not UTC's 12
    assert json.loads((tmp_path / "summaries.json").read_text())["zone"] == "Europe/Paris"


def test_stats_do_not_depend_on_the_zone_of_the_reading_process(tmp_path, monkeypatch):
    """`TZ=UTC kiosk stats` must not shift the Paris kiosk's hour chart."""
    config = tmp_path / "config.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\ntimezone = "Europe/Paris"\n')
    late = datetime(2026, 11, 20, 23, 30, tzinfo=ZoneInfo("Europe/Paris"))
    store = ResponseStore(tmp_path / "data", tz="Europe/Paris")
    store.write_now([make(late)])
    store.close()
    from kiosk.cli import main

    for process_zone in ("UTC", "Australia/Lord_Howe"):
        monkeypatch.setenv("TZ", process_zone)
        time.tzset()
        assert main(["stats", "--config", str(config), "--json"]) == 0
    monkeypatch.undo()
    time.tzset()
    hours = ResponseStore(tmp_path / "data", tz="Europe/Paris").day_hours()
    assert {day: list(h) for day, h in hours.items()} == {date(2026, 11, 20): [23]}


def test_future_dated_answers_count_everywhere_and_are_reported(tmp_path, config):
    tz = "Europe/Paris"
    now = at(tz, date(2026, 11, 20), 10, 0)
    store = ResponseStore(tmp_path, tz=tz, clock=lambda: now)
    store.write_now([make(now - timedelta(days=1)), make(now - timedelta(hours=1)),
                     make(now + timedelta(hours=3)),  # later today
                     make(now + timedelta(days=400)), make(now + timedelta(days=400))])
    store.close()
    reader = ResponseStore(tmp_path, tz=tz, clock=lambda: now)
    assert reader.future_dated() == 3
    assert stats_summary(reader, config).responses == 5
    hours, breakdowns = reader.summaries(skip=reader.today())
    dashboard = Dashboard(hours, today=reader.today, day_breakdowns=breakdowns,
                          tz=reader.calendar.tz)
    for doc in reader.iter_day_docs(reader.today()):
        dashboard.add(Response.from_doc(doc))
    assert dashboard.select("all").total.n == 5  # as in stats


def test_calendar_now_is_in_the_zone():
    fixed = datetime(2026, 6, 1, 21, 59, 30, tzinfo=UTC)
    calendar = Calendar("Australia/Lord_Howe", clock=lambda: fixed)
    assert calendar.now().utcoffset() == timedelta(hours=10, minutes=30)
    assert calendar.today() == date(2026, 6, 2) and calendar.name == "Australia/Lord_Howe"
