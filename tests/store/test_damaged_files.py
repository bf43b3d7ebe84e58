"""Damaged store files: the kiosk starts, records new taps, keeps every good record,
moves the damaged part aside where staff can find it, and says so."""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.pin import PinVault
from kiosk.store.response_store import ResponseStore
from tests.store.test_store import make

SHIPPED = str(Path(__file__).resolve().parents[2] / "config.toml")
YESTERDAY = (datetime.now() - timedelta(days=1)).astimezone().replace(hour=12)
# The writer's "now" for tests that damage today's file: noon, so "ten minutes ago" is
# today at any hour and in any zone the suite runs in.
NOON = datetime(2026, 10, 1, 12, 0).astimezone()


def good_day(data_dir: Path, when: datetime = YESTERDAY, scores=(5, 4, 3)) -> tuple[Path, list]:
    responses = [make(s, when + timedelta(minutes=i)) for i, s in enumerate(scores)]
    bulk = ResponseStore(data_dir)
    bulk.write_now(responses)
    bulk.close()
    reader = ResponseStore(data_dir)
    return reader.day_path(reader.day_of(responses[0])), responses


def torn(path: Path) -> None:
    blob = path.read_bytes()
    path.write_bytes(blob + blob.splitlines(keepends=True)[0][:40])  # half a record
    # just written, on the clock readers compare with (the process's, which a test
    # run under faketime moves away from the file system's)
    now = datetime.now().timestamp()
    os.utime(path, (now, now))


def garbage_middle(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + os.urandom(64).replace(b"\n", b"x").replace(b"\r", b"x") + b"\n" + b"".join(lines[1:]))


def wrong_shape(path: Path) -> None:
    with open(path, "ab") as handle:
        handle.write(b'{"a": 1}\n[1, 2, 3]\n"text"\n')
        handle.write(b'{"op":"put","table":"responses","id":"99","doc":{"foo":1}}\n')
        handle.write(b'{"op":"put","table":"responses","id":"98","doc":{"id":"x","timestamp":"yesterday",'
                     b'"kiosk":"k","question":"q","score":9,"label":"l","language":"en"}}\n')


DAMAGES = {"torn": (torn, 1), "garbage": (garbage_middle, 1), "wrong shape": (wrong_shape, 5)}


@pytest.mark.parametrize("name", DAMAGES)
def test_stats_and_export_warn_on_stderr_and_still_answer(tmp_path, capsys, name):
    damage, bad_lines = DAMAGES[name]
    path, responses = good_day(tmp_path)
    damage(path)
    assert main(["stats", "--config", SHIPPED, "--data-dir", str(tmp_path), "--json"]) == 0
    out, err = capsys.readouterr()
    # a torn last line may still be being written: not damage to a reader
    expected = 0 if name == "torn" else bad_lines
    assert json.loads(out)["responses"] == 3
    assert skipped_lines(err, path) == expected, err
    assert main(["export", "--config", SHIPPED, "--data-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert skipped_lines(err, path) == expected, err  # export warns as stats does
    assert sorted(out.splitlines()[1:]) == sorted(
        line for line in out.splitlines()[1:] if any(r.id in line for r in responses))
    assert len(out.splitlines()) == 4


def skipped_lines(err: str, path: Path) -> int:
    """Damaged lines of ``path`` the warnings on stderr report (one file may get several)."""
    return sum(int(n) for n in re.findall(
        rf"warning: .*{re.escape(path.name)}: (\d+) damaged line\(s\) skipped", err))


@pytest.mark.parametrize("name", DAMAGES)
def test_the_writer_moves_damage_aside_and_keeps_recording(tmp_path, name):
    damage, bad_lines = DAMAGES[name]
    now = NOON
    path, responses = good_day(tmp_path, when=now - timedelta(minutes=10))
    damage(path)
    store = ResponseStore(tmp_path, clock=lambda: now).open_writer()
    new = make(2, now)
    store.record(new)
    store.close()
    assert store.damage and "moved to" in store.damage[0].describe()
    aside = list(path.parent.glob(f"{path.name}.damaged-*"))
    assert len(aside) == 1 and aside[0].stat().st_size > 0
    ids = [r.id for r in ResponseStore(tmp_path).iter_responses()]
    assert ids == [r.id for r in responses] + [new.id]


def test_a_whole_garbage_file_and_an_empty_file(tmp_path):
    now = NOON
    path, _ = good_day(tmp_path, when=now)
    path.write_bytes(os.urandom(5000))
    old = ResponseStore(tmp_path).day_path((now - timedelta(days=3)).date())
    old.write_bytes(b"")
    store = ResponseStore(tmp_path, clock=lambda: now).open_writer()
    new = make(4, now)
    store.record(new)
    store.close()
    assert [r.id for r in ResponseStore(tmp_path).iter_responses()] == [new.id]
    assert list(path.parent.glob("*.damaged-*"))


def test_a_stock_tinydb_file_in_place_of_a_day_file(tmp_path, capsys):
    day = ResponseStore(tmp_path).day_path(YESTERDAY.date())
    day.parent.mkdir(parents=True)
    day.write_text(json.dumps({"_default": {"1": {"score": 5}}}))  # no final newline
    an_hour_ago = datetime.now().timestamp() - 3600
    os.utime(day, (an_hour_ago, an_hour_ago))  # long settled: not a write in progress
    assert main(["stats", "--config", SHIPPED, "--data-dir", str(tmp_path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["responses"] == 0 and "warning" in err


def test_damaged_summaries_are_rebuilt(tmp_path, capsys):
    from kiosk.store.summaries import SUMMARY_VERSION

    path, _ = good_day(tmp_path)
    day = path.name.removesuffix(".jsonl")
    summaries = tmp_path / "summaries.json"
    zone = ResponseStore(tmp_path).calendar.name
    for damaged in (b"\x00garbage{",
                    b'{"version": 4, "days": {"2020-01-01": "x"}}',
                    json.dumps({"version": SUMMARY_VERSION, "zone": zone,
                                "days": {day: "x", "2020-01-01": [1, 2]}}).encode()):
        summaries.write_bytes(damaged)
        assert main(["stats", "--config", SHIPPED, "--data-dir", str(tmp_path), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["responses"] == 3
        rebuilt = json.loads(summaries.read_text())  # written again, from the day files
        assert rebuilt["version"] == SUMMARY_VERSION and list(rebuilt["days"]) == [day]
        assert isinstance(rebuilt["days"][day], list), damaged


def test_damaged_lockout_file_keeps_the_lock(tmp_path):
    vault = PinVault(tmp_path)
    vault.set_pin("1234")
    vault.lockout_path.write_text("{broken")
    assert vault.try_pin("1234").ok is False  # treated as locked, never as unlocked


async def test_the_admin_view_warns_about_damage(config):
    from kiosk.ui.app import KioskApp
    from kiosk.ui.screens.survey import SurveyScreen
    from tests.conftest import open_admin, wait_until

    now = NOON
    path, _ = good_day(config.data_dir, when=now - timedelta(minutes=5))
    garbage_middle(path)
    PinVault(config.data_dir).set_pin("8642")
    store = ResponseStore(config.data_dir, clock=lambda: now).open_writer()
    store.record(make(5, now))  # opening today's file repairs it
    store.wait_idle()
    app = KioskApp(config, store)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(lambda: isinstance(app.screen, SurveyScreen))
            admin = await open_admin(app, pilot, "8642")
            status = str(admin.query_one("#store-status").render())
            assert "moved aside" in status and "damaged" in status
            assert admin.dashboard.figures.summary.responses == 4  # 3 kept + the new tap
    finally:
        store.close()
