"""Finger-sized: every tappable thing on the customer screens (and the PIN keypad) is
measured at 60x15, 80x24, 120x36 and 200x60 in the running app.

From 80x24 up: at least 3 rows by 8 columns with a one-cell gap to the next target;
at 60x15 at least 2 rows.  Everything is on screen."""
from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import pytest
from textual.geometry import Region

from kiosk.ui.app import KioskApp
from kiosk.ui.screens.followup import FollowupScreen
from kiosk.ui.screens.nps import NpsScreen
from kiosk.ui.screens.pin import PinScreen
from kiosk.ui.screens.survey import SurveyScreen
from tests.conftest import wait_until

SIZES = [(60, 15), (80, 24), (120, 36), (200, 60)]


def check_targets(targets: dict[str, Region], size: tuple[int, int]) -> None:
    width, height = size
    small = size < (80, 24)
    for name, region in targets.items():
        assert region.right <= width and region.bottom <= height, (name, region, size)
        assert region.height >= (2 if small else 3), (name, region, size)
        if not small:
            assert region.width >= 8, (name, region, size)
    if small:
        return
    for (a, ra), (b, rb) in combinations(targets.items(), 2):
        assert not ra.overlaps(rb) and not _touching(ra, rb), (a, ra, b, rb, size)


def _touching(a: Region, b: Region) -> bool:
    """No empty cell between a and b (side by side or one above the other)."""
    side_by_side = a.y < b.bottom and b.y < a.bottom and (a.right == b.x or b.right == a.x)
    stacked = a.x < b.right and b.x < a.right and (a.bottom == b.y or b.bottom == a.y)
    return side_by_side or stacked


def regions(screen, selector: str) -> dict[str, Region]:
    return {widget.id or f"{selector}#{n}": widget.region
            for n, widget in enumerate(screen.query(selector))}


@pytest.mark.parametrize("size", SIZES)
async def test_survey_answers_and_language_chips(config, store, size):
    app = KioskApp(config, store)
    async with app.run_test(size=size) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.pause()
        survey = app.screen
        # The coloured tile is what a finger aims at (its frame is the gap).
        tiles = {f"answer-{o.score}": o.query_one(".tile").region
                 for o in survey.query("RatingOption")}
        chips = regions(survey, "LanguageChoice")
        check_targets({**tiles, **chips}, size)
        if size >= (80, 24):  # the question is the biggest text: the block font
            assert survey.query_one("#question").is_block


@pytest.mark.parametrize("size", SIZES)
async def test_followup_reasons_and_skip(config, store, size):
    setup = replace(config, followup=replace(config.followup, enabled=True, seconds=60))
    app = KioskApp(setup, store)
    async with app.run_test(size=size) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        await pilot.pause()
        check_targets(regions(app.screen, "TapButton"), size)
        assert len(regions(app.screen, "TapButton")) == 7


@pytest.mark.parametrize("size", SIZES)
async def test_nps_scores_and_skip(config, store, size):
    setup = replace(config, nps=replace(config.nps, enabled=True, seconds=60))
    app = KioskApp(setup, store)
    async with app.run_test(size=size) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("5")
        await wait_until(lambda: isinstance(app.screen, NpsScreen))
        await pilot.pause()
        targets = regions(app.screen, "TapButton")
        assert len(targets) == 12
        check_targets(targets, size)


@pytest.mark.parametrize("size", SIZES)
async def test_pin_keypad(config, store, size):
    app = KioskApp(config, store)
    async with app.run_test(size=size) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("f12")
        await wait_until(lambda: isinstance(app.screen, PinScreen))
        await pilot.pause()
        targets = regions(app.screen, "TapButton")
        assert len(targets) == 13  # 12 keys and Cancel
        check_targets(targets, size)


async def test_wrong_pin_stays_until_the_next_key_and_is_readable(config, store):
    from kiosk.pin import PinVault
    from tests.vt import contrast

    PinVault(config.data_dir).set_pin("4821")
    app = KioskApp(config, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("f12")
        await wait_until(lambda: isinstance(app.screen, PinScreen))
        pin = app.screen
        note = pin.query_one("#pin-message")
        for key in "1111":
            await pilot.click(f"#key-{key}")
        await pilot.click("#key-ok")
        assert "Wrong PIN" in str(note.render())
        pin._show_state()  # the once-a-second refresh keeps it
        assert "Wrong PIN" in str(note.render())
        fg, bg = note.styles.color, note.styles.background
        assert contrast(fg.rgb, bg.rgb) >= 4.5, (fg, bg)
        await pilot.click("#key-4")  # the next key clears it
        assert "Wrong PIN" not in str(note.render())
