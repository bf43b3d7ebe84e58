"""Misuse (repeated taps flagged, kept, left out of CSAT) and the customer lock-down."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.misuse import TapRule
from kiosk.pin import PinVault
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.pin import PinScreen
from kiosk.ui.screens.survey import SurveyScreen
from kiosk.ui.screens.thanks import ThanksScreen
from tests.conftest import open_admin, taps_taken, wait_until

SHIPPED = str(Path(__file__).resolve().parents[2] / "config.toml")


def test_tap_rule_flags_only_the_extra_taps():
    rule = TapRule(max_taps=3, window_seconds=10)
    assert [rule.is_flagged(t) for t in (0, 1, 2, 3, 4)] == [False, False, False, True, True]
    assert rule.is_flagged(14.5) is False  # 0-4 have left the window
    assert "more than 3 taps within 10 s" in rule.describe()


async def answer(app, pilot, key: str, answers: int) -> None:
    await pilot.press(key)
    await wait_until(lambda: taps_taken(app.store) >= answers)
    await wait_until(lambda: isinstance(app.screen, SurveyScreen) and not app.screen._answered)


async def test_repeated_taps_are_stored_flagged_and_left_out(config, store, capsys):
    strict = replace(config, misuse=replace(config.misuse, max_taps=2, window_seconds=60))
    app = KioskApp(strict, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        for n, key in enumerate("5511", 1):
            await answer(app, pilot, key, n)
    store.wait_idle()
    stored = list(store.iter_responses())
    assert [(r.score, r.flagged) for r in stored] == [(5, False), (5, False), (1, True), (1, True)]

    data_dir = str(config.data_dir)
    assert main(["stats", "--config", SHIPPED, "--data-dir", data_dir, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["responses"] == 2 and figures["flagged"] == 2 and figures["csat"] == 100.0
    assert main(["export", "--config", SHIPPED, "--data-dir", data_dir]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["flagged"] for r in rows] == ["0", "0", "1", "1"]


async def test_admin_shows_flagged_apart_and_can_include_them(config, store):
    PinVault(config.data_dir).set_pin("1357")
    strict = replace(config, misuse=replace(config.misuse, max_taps=1, window_seconds=60))
    app = KioskApp(strict, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await answer(app, pilot, "5", 1)
        await answer(app, pilot, "1", 2)  # flagged
        store.wait_idle()
        admin = await open_admin(app, pilot, "1357")
        assert admin.dashboard.figures.summary.csat == 100.0
        assert "1 flagged tap(s)" in str(admin.query_one("#flagged-note").render())
        await pilot.press("f")
        assert admin.dashboard.figures.summary.csat == 50.0
        assert "INCLUDED" in str(admin.query_one("#flagged-note").render())


# Every exit, suspend, palette and function key a customer could try (F12 is the admin key).
ATTACK_KEYS = ["ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+p", "escape", "alt+f4",
               "ctrl+d", "tab", "shift+tab", *[f"f{n}" for n in range(1, 12)]]


@pytest.mark.parametrize("screen", ["survey", "thanks"])
async def test_no_key_leads_out_of_the_customer_screens(config, store, screen):
    slow = replace(config, timing=replace(config.timing, thank_you_seconds=3600))
    app = KioskApp(slow, store)
    expected = SurveyScreen if screen == "survey" else ThanksScreen
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        if screen == "thanks":
            await pilot.press("4")
            await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        depth = len(app.screen_stack)
        for key in ATTACK_KEYS:
            await pilot.press(key)
            assert app.is_running and app.return_code is None, key
            assert isinstance(app.screen, expected), key
            assert len(app.screen_stack) == depth, key
        assert not app.query("CommandPalette")


async def test_the_admin_key_only_reaches_the_pin_screen(config, store):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("f12")
        await wait_until(lambda: isinstance(app.screen, PinScreen))
        for key in ATTACK_KEYS:
            if key == "escape":
                continue  # escape cancels the PIN screen: back to the survey
            await pilot.press(key)
            assert app.is_running and isinstance(app.screen, PinScreen), key
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
