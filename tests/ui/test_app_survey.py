"""The customer flow through Textual's Pilot: answer, thanks, back; lock-down."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from kiosk.store.response_store import ResponseStore
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.survey import SurveyScreen
from kiosk.ui.screens.thanks import ThanksScreen
from tests.conftest import fire, taps_taken, wait_until


def stored(store: ResponseStore) -> list:
    store.wait_idle()
    return list(store.iter_responses())


async def answer_and_wait_back(pilot, app, answers: int = 1) -> None:
    """After the test's ``answers``-th answer: it was taken and a clean question is
    back (the short thank-you screen may come and go between two polls on a busy machine)."""
    await wait_until(lambda: taps_taken(app.store) >= answers, what="the answer to be taken")
    await wait_until(lambda: isinstance(app.screen, SurveyScreen) and not app.screen._answered,
                     what="a clean survey back")


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
async def test_key_records_score_label_kiosk_timestamp(config, store, score):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        before = datetime.now().astimezone()
        await pilot.press(str(score))
        await answer_and_wait_back(pilot, app)
    [response] = stored(store)
    assert response.score == score
    assert response.label == config.texts().labels[score - 1]
    assert response.kiosk == "test-kiosk"
    assert response.question == config.survey.question_id
    assert response.language == "en"
    assert response.timestamp.utcoffset() is not None
    assert before <= response.timestamp <= datetime.now().astimezone()


async def test_click_records_the_clicked_option(config, store):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.click("#rate-2")
        await answer_and_wait_back(pilot, app)
        await pilot.click("#rate-5")
        await answer_and_wait_back(pilot, app, 2)
    assert [r.score for r in stored(store)] == [2, 5]


async def test_arrows_and_enter(config, store):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("enter")  # nothing highlighted yet: no answer
        await pilot.press("right")  # lights the middle option (3)
        await pilot.press("right", "right", "right", "left")  # 4, 5, 5 (clamped), 4
        assert app.screen.highlighted == 4
        await pilot.press("enter")
        await answer_and_wait_back(pilot, app)
        assert app.screen.highlighted is None  # clean question for the next customer
    assert [r.score for r in stored(store)] == [4]


def slow_thanks(config, seconds=60):
    """A thank-you that stays until the test ends it with ``thanks_time_is_up``."""
    return replace(config, timing=replace(config.timing, thank_you_seconds=seconds))


def thanks_time_is_up(app) -> None:
    """What the thank-you's timer does when it runs out (the test's timer is long, so a
    slow runner never sees the screen leave before the test has looked at it)."""
    assert isinstance(app.screen, ThanksScreen)
    app.screen._back()


async def test_taps_during_thanks_are_not_recorded(config, store):
    app = KioskApp(slow_thanks(config), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("5", "5", "1")  # a double tap and a stray key
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        await pilot.press("3")
        await pilot.click("#thanks-message")
        thanks_time_is_up(app)
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
    assert [r.score for r in stored(store)] == [5]


async def test_thank_you_then_a_clean_question(config, store):
    app = KioskApp(slow_thanks(config), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("1")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        assert "Thank you" in str(app.screen.query_one("#thanks-message").render())
        thanks_time_is_up(app)
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("4")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        thanks_time_is_up(app)
        await answer_and_wait_back(pilot, app, 2)
    assert [r.score for r in stored(store)] == [1, 4]


LOCKDOWN_KEYS = ["ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "ctrl+backslash", "escape"]


@pytest.mark.parametrize("key", LOCKDOWN_KEYS)
async def test_lockdown_keys_leave_the_kiosk_on_the_survey(config, store, key):
    app = KioskApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        screens_before = len(app.screen_stack)
        await pilot.press(key, key)
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, SurveyScreen)
        assert len(app.screen_stack) == screens_before  # no palette, no help panel
        # and it still takes answers
        await pilot.press("3")
        await answer_and_wait_back(pilot, app)
    assert [r.score for r in stored(store)] == [3]


@pytest.mark.parametrize("key", LOCKDOWN_KEYS)
async def test_lockdown_keys_on_the_thanks_screen(config, store, key):
    app = KioskApp(slow_thanks(config), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("2")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        await pilot.press(key)
        assert app.is_running and app.return_code is None
        thanks_time_is_up(app)  # the key did not take it elsewhere
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))


@pytest.mark.parametrize("size", [(60, 15), (80, 24), (120, 36), (200, 60)])
async def test_every_option_visible_and_clickable_at_size(config, store, size):
    app = KioskApp(config, store)
    async with app.run_test(size=size) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        question = app.screen.query_one("#question")
        assert question.region.height >= 1 and question.region.width == size[0]
        for score in range(1, 6):
            option = app.screen.query_one(f"#rate-{score}")
            region = option.region
            assert region.width >= 10 and region.height >= 4, (score, region)
            assert region.right <= size[0] and region.bottom <= size[1]
            # the whole label is drawn (wrapped, never cut)
            label = option.query_one(".label")
            text = " ".join(strip.text for strip in label.render_lines(label.region.reset_offset))
            for word in config.texts().labels[score - 1].split():
                assert word in text, (score, word, text)
        await pilot.click("#rate-5")
        await answer_and_wait_back(pilot, app)
    assert [r.score for r in stored(store)] == [5]


async def test_resize_keeps_options_on_screen(config, store):
    app = KioskApp(config, store)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.resize_terminal(60, 15)
        await wait_until(lambda: app.screen.query_one("#rate-5").region.right <= 60)
        await pilot.click("#rate-1")
        await answer_and_wait_back(pilot, app)
    assert [r.score for r in stored(store)] == [1]


async def test_thank_you_waits_until_the_tap_is_on_disk(config, store, monkeypatch):
    """Acknowledged means durable: while the tap's fdatasync is held (below the
    storage), the thank-you does not show; it shows once the tap is in the file."""
    import os
    import threading

    import kiosk.ui.app

    monkeypatch.setattr(kiosk.ui.app, "DURABLE_WAIT_SECONDS", 30.0)
    entered, gate = threading.Event(), threading.Event()
    real_sync = os.fdatasync

    def held_sync(fd):
        if threading.current_thread().name == "kiosk-writer":
            entered.set()
            gate.wait(10)
        real_sync(fd)

    monkeypatch.setattr(os, "fdatasync", held_sync)
    app = KioskApp(slow_thanks(config), store)  # the thank-you stays until looked at
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("4")
        await wait_until(entered.is_set, what="the writer syncing the tap")
        for _ in range(20):  # plenty of turns for a thank-you that would not wait
            await pilot.pause()
        assert isinstance(app.screen, SurveyScreen)
        gate.set()
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        on_disk = [r.score for r in store.iter_responses()]
    assert on_disk == [4]


async def test_a_slow_disk_delays_the_thank_you_at_most_briefly(config, store, monkeypatch):
    """A stuck fdatasync (below the storage) holds the thank-you only ~150 ms: then
    it shows with the tap still pending, and the tap is written once the disk is back."""
    import os
    import threading

    gate = threading.Event()
    real_sync = os.fdatasync

    def stuck_sync(fd):
        if threading.current_thread().name == "kiosk-writer":
            gate.wait(10)
        real_sync(fd)

    monkeypatch.setattr(os, "fdatasync", stuck_sync)
    app = KioskApp(slow_thanks(config), store)  # the thank-you stays until looked at
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.press("4")
        await wait_until(lambda: isinstance(app.screen, ThanksScreen))
        assert store.pending == 1  # shown before the tap is durable, after the wait
        gate.set()
        await wait_until(lambda: store.pending == 0)
    assert [r.score for r in stored(store)] == [4]


async def test_a_half_made_choice_is_cleared_after_idle_every_time(config, store):
    quiet = replace(config, timing=replace(config.timing, idle_reset_seconds=60))
    app = KioskApp(quiet, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        for _ in range(2):  # a timer that fired once must run again
            await pilot.press("right")
            assert app.screen.highlighted == 3
            await fire(app.screen._idle)
            await wait_until(lambda: app.screen.highlighted is None)
    assert stored(store) == []
