"""Attacks on the counter kiosk's transitions, sizes, midnight and odd configs."""
from __future__ import annotations

from dataclasses import replace

from kiosk.app import KioskApp
from kiosk.screens.followup import FollowupScreen
from kiosk.screens.nps import NpsScreen
from kiosk.screens.survey import SurveyScreen
from kiosk.screens.thanks import ThanksScreen
from tests.conftest import taps_taken, wait_until


def stored(store):
    store.wait_idle()
    return list(store.iter_responses())


def customer_flow(config, *, followup=True, nps=False, attract=0.0):
    return replace(config,
                   followup=replace(config.followup, enabled=followup, seconds=30),
                   nps=replace(config.nps, enabled=nps, seconds=30),
                   rest=replace(config.rest, attract_seconds=attract))


async def survey_ready(app):
    await wait_until(lambda: isinstance(app.screen, SurveyScreen) and not app.screen._answered,
                     what="a fresh survey")


async def test_keys_between_the_nps_and_the_thank_you_make_no_second_record(config, store):
    app = KioskApp(customer_flow(config, nps=True), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        await wait_until(app.screen._armed)
        await pilot.press("2")
        await wait_until(lambda: isinstance(app.screen, NpsScreen))
        await wait_until(app.screen._armed)
        # The NPS answer and, in the same breath, more keys (a customer still tapping)
        await pilot.press("9", "4", "5", "enter")
        await wait_until(lambda: taps_taken(store) >= 1 and isinstance(app.screen, SurveyScreen)
                         and not app.workers, timeout=10, what=lambda: (app.screen, list(app.workers)))
    records = stored(store)
    assert [(r.score, r.reason, r.nps) for r in records] == [(1, "staff", 9)]
