"""Attacks on the counter kiosk's transitions, sizes, midnight and odd configs."""
from __future__ import annotations

import os
import threading
from dataclasses import replace

import pytest
from rich.text import Text

import kiosk.ui.app
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.followup import FollowupScreen
from kiosk.ui.screens.nps import NpsScreen
from kiosk.ui.screens.survey import SurveyScreen
from kiosk.ui.screens.thanks import ThanksScreen
from tests.conftest import wait_until


def stored(store):
    store.wait_idle()
    return list(store.iter_responses())


def customer_flow(config, *, followup=True, nps=False, attract=0.0, thanks=30.0):
    """The thank-you stays up (30 s) unless a test waits for the survey after it."""
    return replace(config, timing=replace(config.timing, thank_you_seconds=thanks),
                   followup=replace(config.followup, enabled=followup, seconds=30),
                   nps=replace(config.nps, enabled=nps, seconds=30),
                   rest=replace(config.rest, attract_seconds=attract))


async def survey_ready(app):
    await wait_until(lambda: isinstance(app.screen, SurveyScreen) and not app.screen._answered,
                     what="a fresh survey")


async def test_keys_while_a_slow_disk_holds_the_thank_you_make_no_second_record(
        config, store, monkeypatch):
    """The NPS answer goes to a disk that takes its time: the thank-you waits for it
    (DURABLE_WAIT_SECONDS) with the survey uncovered, and the same customer, still
    tapping, must not become a second record (nor cancel the first one's answers)."""
    app = KioskApp(customer_flow(config, nps=True), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        await wait_until(app.screen._armed)
        await pilot.press("2")
        await wait_until(lambda: isinstance(app.screen, NpsScreen))
        await wait_until(app.screen._armed)
        store.wait_idle()
        disk = threading.Event()
        real_fdatasync = os.fdatasync

        def slow_fdatasync(fd: int) -> None:
            disk.wait(10)
            real_fdatasync(fd)

        monkeypatch.setattr(os, "fdatasync", slow_fdatasync)
        monkeypatch.setattr(kiosk.ui.app, "DURABLE_WAIT_SECONDS", 10)  # a disk slower still
        await pilot.press("9")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen), what="the survey uncovered")
        await pilot.press("4", "5")
        disk.set()
        await wait_until(lambda: isinstance(app.screen, ThanksScreen), timeout=10,
                         what=lambda: (app.screen, stored(store)))
        records = stored(store)
        assert [(r.score, r.reason, r.nps) for r in records] == [(1, "staff", 9)]


async def test_a_tap_as_the_follow_up_times_out_makes_one_record(config, store):
    app = KioskApp(customer_flow(config), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        followup = app.screen
        await wait_until(followup._armed)
        followup.action_skip()  # the timeout fires ...
        followup.action_reason(2)  # ... as the finger lands on a reason
        app.screen.action_choose(2)  # the survey, uncovered for a moment, takes a key
        await pilot.click("#rate-2")  # and a tap lands where the reason was
        await pilot.press("2")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen), what="the thank-you")
        assert [(r.score, r.reason) for r in stored(store)] == [(1, None)]


async def test_a_tap_as_the_nps_times_out_makes_one_record(config, store):
    app = KioskApp(customer_flow(config, followup=False, nps=True), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await survey_ready(app)
        await pilot.press("5")
        await wait_until(lambda: isinstance(app.screen, NpsScreen))
        nps = app.screen
        await wait_until(nps._armed)
        nps.action_skip()  # the timeout fires ...
        nps.action_choose(7)  # ... as the finger lands
        survey = app.screen
        survey.action_choose(4)  # and a key the survey, uncovered for a moment, takes
        await pilot.press("4")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen), what="the thank-you")
        assert [(r.score, r.nps) for r in stored(store)] == [(5, None)]


async def test_a_key_in_the_same_breath_as_the_rest_records_it(config, store):
    app = KioskApp(customer_flow(config, followup=False, attract=30.0), store)
    async with app.run_test(size=(80, 24)) as pilot:
        await survey_ready(app)
        survey = app.screen
        survey._rest()  # the attract timer fires ...
        await pilot.press("3")  # ... as the customer presses 3
        await wait_until(lambda: isinstance(app.screen, ThanksScreen), what="the thank-you")
        assert [r.score for r in stored(store)] == [3]
        assert not survey.resting


SIZES = [(60, 15), (80, 24), (200, 60), (80, 24), (60, 15)]


def tappable(app, selector: str) -> list[str]:
    """What of ``selector`` a finger cannot reach: off screen, squashed or hidden."""
    screen = app.screen
    room = screen.region
    problems = []
    for widget in screen.query(selector):
        region = widget.region
        if not widget.display or region.height < 1 or region.width < 4:
            problems.append(f"{widget.id}: squashed to {region}")
        elif not room.contains_region(region):
            problems.append(f"{widget.id}: {region} outside {room}")
    return problems


async def sweep(app, pilot, selector: str) -> None:
    for w, h in SIZES:
        await pilot.resize_terminal(w, h)
        await wait_until(lambda w=w, h=h: app.screen.size == (w, h), what=f"{w}x{h}")
        await pilot.pause()
        assert tappable(app, selector) == [], (w, h)


async def test_every_customer_screen_survives_resizes_with_answers_in_reach(config, store):
    app = KioskApp(customer_flow(config, nps=True, attract=30.0), store)
    async with app.run_test(size=(80, 24)) as pilot:
        await survey_ready(app)
        survey = app.screen
        await sweep(app, pilot, ".rating")
        survey._rest()
        await sweep(app, pilot, ".rating")
        await pilot.press("1")  # a tap in flight: the resize comes before the follow-up shows
        await pilot.resize_terminal(60, 15)
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        await sweep(app, pilot, ".reason, .skip")
        await wait_until(app.screen._armed)
        await pilot.click("#reason-3")
        await pilot.resize_terminal(200, 60)
        await wait_until(lambda: isinstance(app.screen, NpsScreen))
        await sweep(app, pilot, ".nps-score, .skip")
        await wait_until(app.screen._armed)
        await pilot.press("8")
        await pilot.resize_terminal(60, 15)
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        await sweep(app, pilot, "#thanks-message")
        assert [(r.score, r.reason, r.nps) for r in stored(store)] == [(1, "product", 8)]


async def test_the_pin_screen_survives_resizes_with_its_keys_in_reach(config, store):
    app = KioskApp(customer_flow(config), store)
    async with app.run_test(size=(80, 24)) as pilot:
        await survey_ready(app)
        await pilot.press("f12")
        await wait_until(lambda: app.screen.id == "pin")
        await sweep(app, pilot, "TapButton")


LONG_QUESTION = ("How satisfied are you with " + "the service, the waiting time and the staff " * 7)[:300]
ODD_SURVEYS = {
    "300-character question": dict(question=LONG_QUESTION),
    "60-character labels": dict(labels=tuple(f"{n} " + "very long label text " * 3
                                             for n in range(1, 6))),
    "spaces inside the question": dict(question="   .   "),
    "emoji and right-to-left labels": dict(labels=("😡😡", "שלא מרוצה", "😐 neutral",
                                                   "راضٍ جدًا", "👍🏽👍🏽👍🏽")),
}


def odd_survey(config, **survey):
    odd = customer_flow(config, followup=False)
    return replace(odd, survey=replace(odd.survey, **survey))


def label_shown(option) -> bool:
    """The option shows its whole label (no line of it cut off by the tile)."""
    label = option.query_one(".label")
    lines = Text(option.label).wrap(label.app.console, max(1, label.content_region.width))
    return (len(lines) <= label.content_region.height
            and option.region.contains_region(label.region))


@pytest.mark.parametrize("odd", ODD_SURVEYS, ids=list(ODD_SURVEYS))
async def test_odd_survey_texts_keep_every_answer_in_reach(config, store, odd):
    app = KioskApp(odd_survey(config, **ODD_SURVEYS[odd]), store)
    async with app.run_test(size=(60, 15)) as pilot:
        await survey_ready(app)
        for w, h in SIZES:
            await pilot.resize_terminal(w, h)
            await wait_until(lambda w=w, h=h: app.screen.size == (w, h), what=f"{w}x{h}")
            await pilot.pause()
            assert tappable(app, ".rating") == [], (w, h)
            assert all(o.region.height >= 3 for o in app.screen.query(".rating")), (w, h)
            cut = [o.id for o in app.screen.query(".rating") if not label_shown(o)]
            assert cut == [], (w, h)
        await pilot.click("#rate-2")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        assert [r.score for r in stored(store)] == [2]


def text_shown(widget) -> bool:
    """``widget`` shows all of its text: every wrapped line inside its own box."""
    text = Text(str(widget.render()))
    lines = text.wrap(widget.app.console, max(1, widget.content_region.width))
    return len(lines) <= widget.content_region.height


async def test_six_long_reasons_fit_a_small_screen(config, store):
    reasons = tuple(f"reason {n} " + "x" * 31 for n in range(1, 7))
    assert all(len(r) == 40 for r in reasons)
    flow = customer_flow(config)
    app = KioskApp(replace(flow, followup=replace(flow.followup, reasons=reasons)), store)
    async with app.run_test(size=(60, 15)) as pilot:
        await survey_ready(app)
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, FollowupScreen))
        for w, h in SIZES:
            await pilot.resize_terminal(w, h)
            await wait_until(lambda w=w, h=h: app.screen.size == (w, h), what=f"{w}x{h}")
            await pilot.pause()
            assert tappable(app, ".reason, .skip") == [], (w, h)
            cut = [b.id for b in app.screen.query(".reason") if not text_shown(b)]
            assert cut == [], (w, h)
        await wait_until(app.screen._armed)
        await pilot.click("#reason-6")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        assert [r.reason for r in stored(store)] == [reasons[5]]


def odd_timing(config, odd: str):
    flow = customer_flow(config, nps=True, thanks=0.5)
    if odd == "single language":
        return replace(flow, kiosk=replace(flow.kiosk, languages=("en",)))
    if odd == "keys input":
        return replace(flow, kiosk=replace(flow.kiosk, input="keys"))
    if odd == "idle reset shorter than the thank-you":
        return replace(flow, timing=replace(flow.timing, idle_reset_seconds=0.1,
                                            thank_you_seconds=0.5))
    assert odd == "attract after 0.1 s"
    return replace(flow, rest=replace(flow.rest, attract_seconds=0.1))


ODD_TIMINGS = ["single language", "keys input", "idle reset shorter than the thank-you",
               "attract after 0.1 s"]


@pytest.mark.parametrize("odd", ODD_TIMINGS)
async def test_odd_but_valid_settings_serve_two_customers(config, store, odd):
    app = KioskApp(odd_timing(config, odd), store)
    async with app.run_test(size=(60, 15)) as pilot:
        for score, reason_key, nps_key in (("1", "2", "9"), ("2", "0", "3")):
            await wait_until(lambda: isinstance(app.screen, SurveyScreen), what="the survey")
            assert tappable(app, ".rating") == []
            await pilot.press(score)
            await wait_until(lambda: isinstance(app.screen, FollowupScreen))
            assert tappable(app, ".reason, .skip") == []
            await wait_until(app.screen._armed)
            await pilot.press(reason_key)
            await wait_until(lambda: isinstance(app.screen, NpsScreen))
            assert tappable(app, ".nps-score, .skip") == []
            await wait_until(app.screen._armed)
            await pilot.press(nps_key)
            await wait_until(lambda: isinstance(app.screen, ThanksScreen))
            await wait_until(lambda: not isinstance(app.screen, ThanksScreen), timeout=10,
                             what="the thank-you to end")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
    assert [(r.score, r.reason, r.nps) for r in stored(store)] == [(1, "staff", 9),
                                                                    (2, None, 3)]
