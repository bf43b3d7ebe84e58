"""The glance card's figures: rounded like the screen, toned by the rounded figure."""
from __future__ import annotations

from datetime import timedelta

from kiosk.views.glance import glance, sparkline_axis, weekly_series
from scoring import Tally

from .helpers import TODAY, dashboard, steady, tally


def test_steady_site_is_within_chance_at_target():
    card = glance(dashboard(steady()), target=80.0)
    assert card.csat == 80.0 and card.shown == 80.0
    assert card.n == 7 * 10 * 10
    assert card.tone == "good"  # 80.0 shown, 80 target: at target
    assert card.verdict == "within chance" and card.change_tone == "neutral"
    assert card.arrow == "=" and card.period == "last 7 days"
    assert (card.start, card.end) == (TODAY - timedelta(days=6), TODAY)
    assert len(card.series) == 12 and card.series[-1].start.weekday() == 0
    assert all(p.csat == 80.0 for p in card.series)
    assert card.series[-1].n == 4 * 100  # Monday..Thursday of this week only
    assert card.axis[0] <= 80.0 <= card.axis[1] and card.axis[1] - card.axis[0] >= 10


def test_rounded_figure_decides_the_colour():
    # 7999 of 10000 = 79.99 %: shown "80.0", so "at target", not "below".
    days = {TODAY: {10: tally(7999, 2001)}}
    card = glance(dashboard(days, period="today"), target=80.0)
    assert card.csat is not None and card.csat < 80.0
    assert card.shown == 80.0 and card.tone == "good" and card.on_target


def test_good_news_and_bad_news_differ():
    base = steady(days=14, end=TODAY - timedelta(days=7), per_hour=(7, 3))  # 70 % before
    up = dict(base)
    up.update(steady(days=7, per_hour=(9, 1)))  # 90 % this week
    card_up = glance(dashboard(up), target=80.0)
    assert card_up.verdict == "real change" and card_up.arrow == "▲"
    assert card_up.change_tone == "good" and card_up.tone == "good"
    down = dict(steady(days=14, end=TODAY - timedelta(days=7), per_hour=(9, 1)))
    down.update(steady(days=7, per_hour=(7, 3)))
    card_down = glance(dashboard(down), target=80.0)
    assert card_down.verdict == "real change" and card_down.arrow == "▼"
    assert card_down.change_tone == "bad" and card_down.tone == "bad"
    assert "▼ 20.0 points" in card_down.change_text()


def test_small_sample_and_no_answers():
    card = glance(dashboard({TODAY: {10: tally(3, 0)}}, period="today"), target=80.0)
    assert card.tone == "small sample" and card.verdict == "nothing to compare"
    assert "fewer than 30 answers" in card.detail_text()
    empty = glance(dashboard({}, period="today"), target=80.0)
    assert empty.csat is None and empty.tone == "neutral" and empty.figure_text() == "—"
    assert all(p.csat is None and p.n == 0 for p in empty.series)


def test_flagged_answers_follow_the_dashboard():
    t = Tally()
    for _ in range(40):
        t.add(5)
    for _ in range(40):
        t.add(1, flagged=True)
    days = {TODAY: {10: t}}
    assert glance(dashboard(days, period="today"), 80.0).series[-1].csat == 100.0
    board = dashboard(days, period="today", include_flagged=True)
    assert glance(board, 80.0).series[-1].csat == 50.0
    assert glance(board, 80.0).csat == 50.0


def test_detail_has_interval_test_and_p():
    card = glance(dashboard(steady()), target=80.0)
    detail = card.detail_text()
    assert "95 % interval" in detail and "two-proportion z-test" in detail and "p = " in detail


def test_axis_scaled_to_data_and_target():
    assert sparkline_axis([81.0, 83.5, None], 80.0) == (75.0, 90.0)
    assert sparkline_axis([99.5], 99.0) == (90.0, 100.0)
    assert sparkline_axis([None], 80.0) == (75.0, 85.0)
    low, high = sparkline_axis([0.0, 100.0], 50.0)
    assert (low, high) == (0.0, 100.0)


def test_weekly_series_sums_weeks_not_maxima():
    days = {TODAY: tally(0, 10), TODAY - timedelta(days=1): tally(10, 0)}
    points = weekly_series(lambda d: days.get(d, Tally()), TODAY, weeks=2)
    assert [p.n for p in points] == [0, 20] and points[-1].csat == 50.0
