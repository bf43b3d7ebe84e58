"""Admin: PIN (lockout that survives restarts), live figures equal to scoring, export, idle lock."""
from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.models import Response, new_response_id
from kiosk.pin import PinError, PinVault, check_pin_format
from kiosk.store.response_store import ResponseStore
from kiosk.ui.app import AdminApp, KioskApp
from kiosk.ui.screens.admin import AdminScreen
from kiosk.ui.screens.export import ExportScreen
from kiosk.ui.screens.pin import PinScreen
from kiosk.ui.screens.survey import SurveyScreen
from scoring import summarize, total
from tests.conftest import SteppedClock, fire, open_admin, wait_until

ROOT = Path(__file__).resolve().parents[2]
PIN = "4821"


def response(score: int, when: datetime, flagged: bool = False) -> Response:
    return Response(id=new_response_id(), timestamp=when, kiosk="test-kiosk", question="q",
                    score=score, label=f"L{score}", language="en", flagged=flagged)


@pytest.fixture
def vault(config):
    vault = PinVault(config.data_dir)
    vault.set_pin(PIN)
    return vault


async def open_pin(app, pilot):
    await wait_until(lambda: isinstance(app.screen, SurveyScreen))
    await pilot.press("f12")
    await wait_until(lambda: isinstance(app.screen, PinScreen))


async def enter_pin(pilot, pin: str):
    await pilot.press(*pin, "enter")


# -- PIN rules ------------------------------------------------------------------
def test_pin_format():
    assert check_pin_format(" 0042 ") == "0042"
    for bad in ("123", "1234567890123", "12a4", "١٢٣٤", ""):
        with pytest.raises(PinError):
            check_pin_format(bad)


def test_only_a_salted_private_hash_is_stored(tmp_path):
    vault = PinVault(tmp_path)
    vault.set_pin("987654")
    text = vault.pin_path.read_text()
    assert "987654" not in text and '"salt"' in text
    assert stat.S_IMODE(os.stat(vault.pin_path).st_mode) == 0o600
    other = PinVault(tmp_path / "b")
    other.set_pin("987654")
    assert other.pin_path.read_text() != text  # a new salt each time


def test_lockout_doubles_and_survives_a_new_vault(tmp_path):
    now = [1000.0]
    vault = PinVault(tmp_path, clock=lambda: now[0])
    vault.set_pin(PIN)
    for tries_left in (4, 3, 2, 1):
        assert vault.try_pin("0000").tries_left == tries_left
    fifth = vault.try_pin("0000")
    assert not fifth.ok and fifth.locked_for == pytest.approx(30)
    restarted = PinVault(tmp_path, clock=lambda: now[0])
    assert restarted.try_pin(PIN).ok is False  # locked: even the right PIN waits
    now[0] += 31
    assert restarted.try_pin("1111").locked_for == pytest.approx(60)  # doubled
    now[0] += 61
    assert restarted.try_pin(PIN).ok
    assert restarted.try_pin("0000").tries_left == 4  # reset after success


# -- PIN screen through Pilot ---------------------------------------------------
async def test_no_pin_set_lets_nobody_in(config, store):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pin(app, pilot)
        assert "kiosk set-pin" in str(app.screen.query_one("#pin-message").render())
        await enter_pin(pilot, "0000")
        await pilot.press("enter")
        assert isinstance(app.screen, PinScreen)
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))


async def test_five_wrong_pins_lock_and_the_lock_survives_a_new_app(config, store, vault):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pin(app, pilot)
        for _ in range(5):
            await enter_pin(pilot, "0000")
        message = str(app.screen.query_one("#pin-message").render())
        assert "Locked for" in message
        await enter_pin(pilot, PIN)  # right PIN, but locked
        assert isinstance(app.screen, PinScreen)
    again = KioskApp(config, store)
    async with again.run_test(size=(100, 30)) as pilot:
        await open_pin(again, pilot)
        await enter_pin(pilot, PIN)
        assert isinstance(again.screen, PinScreen)
        assert "Locked for" in str(again.screen.query_one("#pin-message").render())


async def test_keypad_digits_show_as_dots_and_cancel(config, store, vault):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pin(app, pilot)
        await pilot.click("#key-4")
        await pilot.click("#key-8")
        dots = str(app.screen.query_one("#pin-dots").render())
        assert dots.count("●") == 2 and "4" not in dots
        await pilot.click("#key-back")
        assert str(app.screen.query_one("#pin-dots").render()).count("●") == 1
        await pilot.click("#pin-cancel")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))


async def test_five_taps_on_the_question_open_the_pin_screen(config, store, vault, monkeypatch):
    clock = SteppedClock()  # "within 3 s" on the kiosk's clock, not the runner's speed
    monkeypatch.setattr("kiosk.ui.screens.survey.monotonic", clock)
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        for _ in range(4):
            await pilot.click("#question")
        clock.advance(SurveyScreen.ADMIN_TAP_SECONDS + 0.5)  # too slow: the count starts again
        for _ in range(4):
            await pilot.click("#question")
            clock.advance(0.5)
        assert isinstance(app.screen, SurveyScreen)
        await pilot.click("#question")
        await wait_until(lambda: isinstance(app.screen, PinScreen))
        for key in PIN:
            await pilot.click(f"#key-{key}")
        await pilot.click("#key-ok")
        await wait_until(lambda: isinstance(app.screen, AdminScreen))


async def test_pin_screen_returns_to_the_survey_when_idle(config, store, vault):
    quiet = replace(config, timing=replace(config.timing, idle_reset_seconds=60))
    app = KioskApp(quiet, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pin(app, pilot)
        pin_screen = app.screen
        assert pin_screen._idle.seconds == 60  # the kiosk's idle time, running
        await fire(pin_screen._idle)
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))


# -- the admin view --------------------------------------------------------------
# The kiosk's clock for the admin figures: late afternoon of a fixed day, so "today at
# 9-16 h" is in the past and the periods are whole days, whatever the wall clock or zone
# (at 00:05 today's answers would be in the future).
NOW = datetime(2026, 11, 20, 17, 30).astimezone()


@pytest.fixture
def store(config):
    opened = ResponseStore(config.data_dir, clock=lambda: NOW).open_writer()
    yield opened
    opened.close()


def fill(store: ResponseStore, today: date) -> list[Response]:
    """History over 10 days, plus a few today."""
    written = []
    for days_ago in range(10):
        day = datetime.combine(today - timedelta(days=days_ago), datetime.min.time()).astimezone()
        for i, score in enumerate([5, 4, 4, 3, 2, 5, 1, 4][: 3 + days_ago % 6]):
            written.append(response(score, day + timedelta(hours=9 + i)))
    for item in written:
        store.record(item)
    store.wait_idle()
    return written


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_admin_figures_equal_scoring_on_the_same_data(config, store, vault):
    written = fill(store, NOW.date())
    app = KioskApp(config, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        admin = await open_admin(app, pilot, PIN)
        for key, days in (("a", None), ("w", 7), ("t", 1)):
            await pilot.press(key)
            since = None if days is None else NOW.date() - timedelta(days=days - 1)
            expected = summarize(total(ResponseStore(config.data_dir).day_hours(since=since)),
                                 threshold=4, min_responses=30)
            assert admin.dashboard.figures.summary == expected
            digits = admin.query_one("#csat-digits").value
            assert digits == f"{expected.csat:.1f}"
            headline = text_of(admin, "#headline")
            assert f"{expected.csat:.1f} % satisfied" in headline
            assert f"{expected.responses:,} answers" in headline
            low, high = expected.ci95
            assert f"{low:.1f}–{high:.1f}" in text_of(admin, "#headline-detail")
        assert len(written) == admin.dashboard.select("all").summary.responses


async def test_a_tap_from_another_store_instance_shows_live(config, store, vault):
    """`kiosk admin` reads; the counter kiosk (another writer) records."""
    fill(store, NOW.date())
    reader = ResponseStore(config.data_dir, clock=lambda: NOW)
    app = AdminApp(config, reader)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, PinScreen))
        await enter_pin(pilot, PIN)
        await wait_until(lambda: isinstance(app.screen, AdminScreen))
        admin = app.screen
        await wait_until(lambda: admin.dashboard is not None)
        before = admin.dashboard.figures.summary.responses
        store.record(response(1, NOW))
        await wait_until(lambda: admin.dashboard.figures.summary.responses == before + 1,
                         what="the new tap, live (no reload)")
        assert f"{before + 1:,} answers" in text_of(admin, "#headline")
        # the back-office app locks (PIN again) instead of showing a survey
        await pilot.click("#back")
        await wait_until(lambda: isinstance(app.screen, PinScreen))


async def test_export_from_the_admin_view(config, store, vault, tmp_path):
    written = fill(store, NOW.date())
    app = KioskApp(config, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await open_admin(app, pilot, PIN)
        await pilot.press("w")  # the admin view on 7 days: the export starts there too
        await pilot.click("#export")
        await wait_until(lambda: isinstance(app.screen, ExportScreen))
        dialog = app.screen
        assert dialog.period_name == "7d" and "-7d-" in dialog.query_one("#export-name").value
        await pilot.click("#export-period-all")
        name = dialog.query_one("#export-name")
        name.value = "../escape.csv"
        await pilot.click("#export-write")
        assert "not a plain file name" in text_of(dialog, "#export-result")
        name.value = "weekly"
        write = dialog.query_one("#export-write")
        await wait_until(lambda: not write.has_class("-active"), what="the press effect to end")
        await pilot.click("#export-write")
        await wait_until(lambda: "written to" in text_of(dialog, "#export-result"), what=lambda: text_of(dialog, "#export-result"))
        target = config.admin.export_dir / "weekly.csv"
        assert str(target) in text_of(dialog, "#export-result").replace("\n", "")
        assert f"{len(written)} response(s)" in text_of(dialog, "#export-result")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert sorted(r["id"] for r in rows) == sorted(r.id for r in written)
    assert not (config.admin.export_dir.parent / "escape.csv").exists()


async def test_quit_from_the_admin_view_ends_the_app(config, store, vault):
    app = KioskApp(config, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await open_admin(app, pilot, PIN)
        await pilot.press("ctrl+q")  # still locked down here
        assert app.is_running
        await pilot.click("#quit")
        assert app.is_running  # asks for a second press
        quit_button = app.screen.query_one("#quit")
        await wait_until(lambda: not quit_button.has_class("-active"), what="the press effect to end")
        await pilot.click("#quit")
        await wait_until(lambda: not app.is_running)


async def test_admin_locks_itself_after_idle(config, store, vault):
    quick = replace(config, admin=replace(config.admin, idle_lock_seconds=1.0))
    shown = []

    class Watched(KioskApp):
        CSS_PATH = str(ROOT / "kiosk" / "ui" / "kiosk.tcss")

        def push_screen(self, screen, *args, **kwargs):  # which screens came, however briefly
            shown.append(type(screen).__name__)
            return super().push_screen(screen, *args, **kwargs)

    app = Watched(quick, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("f12", *PIN, "enter")
        await wait_until(lambda: "AdminScreen" in shown, what="the admin view")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))


def test_snapshot_of_the_admin_view(snap_compare, tmp_path):
    """Fixed data on a fixed day, 120x36."""
    from kiosk.config import Config, KioskConfig

    today = date(2026, 11, 20)
    config = Config(path=tmp_path / "c.toml", kiosk=KioskConfig(id="snapshot", data_dir=tmp_path / "d",
                                                                timezone="UTC"))
    # One configured zone: the same picture whatever the runner's TZ (and its DST dates).
    writer = ResponseStore(config.data_dir, tz="UTC")
    offset = UTC
    rows = []
    for days_ago in range(30):
        day = today - timedelta(days=days_ago)
        for i in range(12 + days_ago % 7):
            score = [5, 4, 5, 3, 4, 2, 5, 4, 1, 5, 4, 4][(i + days_ago) % 12]
            when = datetime(day.year, day.month, day.day, 8 + i % 11, (7 * i) % 60, tzinfo=offset)
            rows.append(Response(id=f"snap-{days_ago}-{i}", timestamp=when, kiosk="snapshot",
                                 question="q", score=score, label="x", language="en"))
    writer.write_now(rows)
    writer.close()

    from textual.app import App

    class Snap(App):
        CSS_PATH = str(ROOT / "kiosk" / "ui" / "kiosk.tcss")

        def on_mount(self):
            self.push_screen(AdminScreen(config, ResponseStore(config.data_dir, tz="UTC"),
                                         today=lambda: today, hour=lambda: 15,
                                         poll_seconds=3600))

    async def loaded(pilot):
        await wait_until(lambda: pilot.app.screen.dashboard is not None)
        await pilot.press("m")
        await pilot.pause()

    assert snap_compare(Snap(), terminal_size=(120, 36), run_before=loaded)


def test_set_pin_from_stdin(tmp_path):
    def set_pin(text):
        return subprocess.run([sys.executable, "-m", "kiosk", "set-pin", "--config",
                               str(ROOT / "config.toml"), "--data-dir", str(tmp_path)],
                              input=text, capture_output=True, text=True, cwd=ROOT)
    done = set_pin("246810\n")
    assert done.returncode == 0 and "246810" not in done.stderr + done.stdout
    assert PinVault(tmp_path).try_pin("246810").ok
    bad = set_pin("12\n")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "4 to 12 digits" in bad.stderr
    assert PinVault(tmp_path).try_pin("246810").ok  # unchanged
