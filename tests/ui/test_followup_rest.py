"""Follow-up after a low score, optional NPS, resting between customers, closed hours."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.hours import OpeningHours
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.afterthought import ARM_SECONDS
from kiosk.ui.screens.followup import FollowupScreen
from kiosk.ui.screens.nps import NpsScreen
from kiosk.ui.screens.rest import ClosedScreen
from kiosk.ui.screens.survey import SurveyScreen
from kiosk.ui.screens.thanks import ThanksScreen
from scoring import Tally, nps
from tests.conftest import SteppedClock, fire, open_admin, taps_taken, wait_until

SHIPPED = str(Path(__file__).resolve().parents[2] / "config.toml")


def with_followup(config, **changes):
    return replace(config, followup=replace(config.followup, enabled=True, **changes))


def stored(store):
    store.wait_idle()
    return list(store.iter_responses())


async def survey_ready(app):
    await wait_until(lambda: isinstance(app.screen, SurveyScreen) and not app.screen._answered)


async def test_low_score_asks_why_and_stores_the_reason_on_the_same_record(config, store, capsys):
    app = KioskApp(with_followup(config), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("2")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        screen = app.screen
        await wait_until(lambda: screen._armed())
        await pilot.click("#reason-2")  # staff
        await wait_until(lambda: not isinstance(app.screen, (FollowupScreen, NpsScreen)))
        await survey_ready(app)
        await pilot.press("4")  # above the threshold: no follow-up
        await wait_until(lambda: taps_taken(app.store) >= 2)
        assert not isinstance(app.screen, FollowupScreen)
    responses = stored(store)
    assert [(r.score, r.reason) for r in responses] == [(2, "staff"), (4, None)]
    assert main(["export", "--config", SHIPPED, "--data-dir", str(config.data_dir)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 2 and rows[0]["reason"] == "staff" and rows[1]["reason"] == ""


@pytest.fixture
def arming_clock(monkeypatch) -> SteppedClock:
    """The follow-up and NPS screens' clock (arming delay, countdown), moved by the test."""
    clock = SteppedClock()
    monkeypatch.setattr("kiosk.ui.screens.afterthought.monotonic", clock)
    return clock


async def test_followup_times_out_to_skip(config, store):
    app = KioskApp(with_followup(config, seconds=60), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        screen = app.screen
        assert screen._timeout.seconds == 60  # the configured time, running
        await fire(screen._timeout)  # ...and it runs out
        await wait_until(lambda: isinstance(app.screen, (ThanksScreen, SurveyScreen)))
    [response] = stored(store)
    assert response.score == 1 and response.reason is None


async def test_a_double_tap_does_not_pick_a_reason(config, store, arming_clock):
    app = KioskApp(with_followup(config, seconds=60), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("1", "1", "1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        screen = app.screen
        await pilot.press("1")  # within the arming delay (the clock has not moved): not a reason
        arming_clock.advance(ARM_SECONDS * 0.9)
        await pilot.click("#reason-1")  # still within it
        assert app.screen is screen and screen.reason is None
        await fire(screen._timeout)
        await wait_until(lambda: not isinstance(app.screen, FollowupScreen))
    assert [(r.score, r.reason) for r in stored(store)] == [(1, None)]


async def test_skip_button_and_comment(config, store):
    app = KioskApp(with_followup(config, comment=True), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        await wait_until(lambda: app.screen._armed())
        await pilot.press("1")  # waiting time; the comment box takes focus
        await pilot.press(*"too slow", "enter")
        await wait_until(lambda: not isinstance(app.screen, (FollowupScreen, NpsScreen)))
        await survey_ready(app)
        await pilot.press("2")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        await wait_until(lambda: app.screen._armed())
        await pilot.click("#skip")
        await wait_until(lambda: not isinstance(app.screen, (FollowupScreen, NpsScreen)))
    first, second = stored(store)
    assert (first.reason, first.comment) == ("waiting", "too slow")
    assert (second.reason, second.comment) == (None, None)


async def test_nps_question_is_stored_on_the_response(config, store):
    enabled = replace(config, nps=replace(config.nps, enabled=True))
    app = KioskApp(enabled, store)
    async with app.run_test(size=(100, 30)) as pilot:
        for score, key in [("5", "9"), ("4", "plus"), ("3", "2")]:
            await survey_ready(app)
            await pilot.press(score)
            await wait_until(lambda: isinstance(app.screen, NpsScreen))
            screen = app.screen
            await wait_until(screen._armed)
            await pilot.press(key)
            await wait_until(lambda: not isinstance(app.screen, (FollowupScreen, NpsScreen)))
    answers = [r.nps for r in stored(store)]
    assert answers == [9, 10, 2]
    # promoters 9 and 10, detractor 2: (2 - 1) / 3
    assert abs(nps(Tally.of(answers, 0, 10)) - 100 / 3) < 1e-9


async def test_resting_keeps_the_answers_and_a_tap_on_one_records_it(config, store):
    resting = replace(config, rest=replace(config.rest, attract_seconds=60))
    app = KioskApp(resting, store)
    async with app.run_test(size=(100, 30)) as pilot:
        survey = app.screen
        await wait_until(lambda: isinstance(survey, SurveyScreen) and survey._attract._timer)
        await fire(survey._attract)
        assert survey.resting
        question = survey.query_one("#question")
        assert question.text == config.texts().attract  # the headline invites
        for score in range(1, 6):  # the answers stay on screen
            option = survey.query_one(f"#rate-{score}")
            assert option.display and option.region.height >= 3
        await pilot.click("#rate-4")  # the customer who taps green gets green
        await wait_until(lambda: taps_taken(app.store) >= 1)
        await survey_ready(app)
        await wait_until(lambda: survey._attract._timer is not None)  # running again
        await fire(survey._attract)
        assert survey.resting
        await pilot.click("#question")  # a tap elsewhere only wakes it
        await wait_until(lambda: not survey.resting)
        assert question.text == config.texts().question
        await pilot.press("5")
        await wait_until(lambda: taps_taken(app.store) >= 2)
    assert [r.score for r in stored(store)] == [4, 5]


@pytest.mark.parametrize("mode, prefixed", [("touch", False), ("keys", True), ("both", True)])
async def test_followup_and_nps_show_their_countdown_and_keys_only_where_keys_are_used(
        config, store, mode, prefixed, arming_clock):
    from kiosk.ui.screens.afterthought import Countdown

    setup = replace(with_followup(config, seconds=9), kiosk=replace(config.kiosk, input=mode),
                    nps=replace(config.nps, enabled=True))
    app = KioskApp(setup, store)
    async with app.run_test(size=(100, 30)) as pilot:
        survey = app.screen
        hint = str(survey.query_one("#hint").render())
        assert ("1 to 5" in hint) == prefixed, (mode, hint)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        followup = app.screen
        await wait_until(lambda: " s" in str(followup.query_one(Countdown).render()))
        assert str(followup.query_one(Countdown).render()).rstrip().endswith("9 s")
        reason = str(followup.query_one("#reason-1").render())
        assert reason.startswith("1 ") == prefixed, (mode, reason)
        assert str(followup.query_one("#skip").render()).startswith("0 ") == prefixed
        arming_clock.advance(ARM_SECONDS + 0.1)
        assert followup._armed()
        await pilot.click("#skip")
        await wait_until(lambda: isinstance(app.screen, NpsScreen))
        nps_screen = app.screen
        assert nps_screen.query_one(Countdown).display
        assert nps_screen.query_one("#nps-0").has_class("answer-1")
        assert nps_screen.query_one("#nps-7").has_class("answer-3")
        assert nps_screen.query_one("#nps-10").has_class("answer-5")
        hint = str(nps_screen.query_one("#nps-hint").render())
        assert ("0-9" in hint) == prefixed, (mode, hint)


async def test_reason_texts_from_config_show_literally(config, store):
    """Config text with markup-like brackets is shown as written and never crashes."""
    reasons = ("Price [too high]", "[/]", "[bold]loud[/bold] music")
    app = KioskApp(with_followup(config, reasons=reasons), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        screen = app.screen
        await pilot.pause()
        shown = [str(screen.query_one(f"#reason-{n}").render()) for n in (1, 2, 3)]
        assert shown == list(reasons)
        await wait_until(screen._armed)
        await pilot.click("#reason-2")
        await wait_until(lambda: not isinstance(app.screen, FollowupScreen))
    [response] = stored(store)
    assert response.reason == "[/]"


def test_opening_hours():
    day = OpeningHours("08:00", "20:00")
    assert day.is_open(datetime(2026, 11, 20, 8, 0)) and day.is_open(datetime(2026, 11, 20, 19, 59))
    assert not day.is_open(datetime(2026, 11, 20, 20, 0)) and not day.is_open(datetime(2026, 11, 20, 7, 59))
    night = OpeningHours("18:00", "02:00")
    assert night.is_open(datetime(2026, 11, 20, 23, 0)) and night.is_open(datetime(2026, 11, 21, 1, 0))
    assert not night.is_open(datetime(2026, 11, 20, 12, 0))
    assert OpeningHours(None, None).is_open(datetime(2026, 11, 20, 3, 0))


async def test_closed_hours_record_nothing(config, store):
    closed = replace(config, rest=replace(config.rest, open="08:00", close="20:00"))
    night = datetime(2026, 11, 20, 23, 30).astimezone()
    app = KioskApp(closed, store, clock=lambda: night)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, ClosedScreen))
        assert "closed" in str(app.screen.query_one("#closed-message").render()).lower()
        for key in "12345":
            await pilot.press(key)
        await pilot.click("#closed-message")
        assert isinstance(app.screen, ClosedScreen)
    assert stored(store) == []


async def test_admin_shows_reasons_languages_and_nps(config, store):
    from kiosk.pin import PinVault
    from tests.store.test_store import make

    PinVault(config.data_dir).set_pin("1111")
    enabled = replace(config, nps=replace(config.nps, enabled=True))
    now = datetime.now().astimezone()
    for score, language, reason, answer in [(5, "en", None, 10), (1, "fr", "price", 2),
                                            (2, "en", "price", 5), (4, "zh", None, 9)]:
        response = replace(make(score, now), language=language)
        store.record(response)
        store.annotate(response, {k: v for k, v in (("reason", reason), ("nps", answer)) if v})
    store.wait_idle()
    app = KioskApp(enabled, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await survey_ready(app)
        admin = await open_admin(app, pilot, "1111")
        await wait_until(lambda: "Price" in str(admin.query_one("#reasons").render()))
        reasons = str(admin.query_one("#reasons").render())
        assert "100\u00a0% (2)" in reasons
        languages = str(admin.query_one("#languages-breakdown").render())
        assert "English: 50 % (2)" in languages and "Français: 0 % (1)" in languages
        # promoters 10 and 9, detractors 2 and 5: (2 - 2) / 4 -> NPS 0
        assert "NPS +0" in str(admin.query_one("#nps-figure").render())
        assert admin.dashboard.figures.breakdown.nps.n == 4
