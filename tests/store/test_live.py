"""The admin's live tail (kiosk.store.live): today's file and yesterday's, so that a
follow-up answered just after midnight is seen on yesterday's record."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from kiosk.store.live import JournalTail
from tests.store.test_writer import UTC, make, writer


def test_admin_open_across_midnight_sees_a_follow_up_landing_on_yesterday(tmp_path):
    """Tap at 23:59:50, reason given at 00:00:05: it lands on yesterday's record."""
    late = datetime(2026, 11, 20, 23, 59, 50, tzinfo=UTC)
    day = [late.date()]
    store = writer(tmp_path, late)
    tail = JournalTail(store, today=lambda: day[0])
    assert tail.poll() == []
    tap = make(late, score=1)
    assert store.record(tap).wait(5)
    assert [r.id for r in tail.poll()] == [tap.id]
    day[0] = date(2026, 11, 21)  # midnight
    assert tail.poll() == []
    assert store.annotate(tap, {"reason": "waiting"}).wait(5)
    assert tail.poll() == []
    assert [(r.id, r.reason) for r in tail.annotated] == [(tap.id, "waiting")]
    store.close()


def test_admin_opened_after_midnight_sees_yesterdays_late_follow_up_once(tmp_path):
    late = datetime(2026, 11, 20, 23, 59, 50, tzinfo=UTC)
    store = writer(tmp_path, late)
    earlier = make(late - timedelta(hours=1), score=5)
    tap = make(late, score=1)
    store.record(earlier)
    assert store.record(tap).wait(5)
    # The admin view opens at 00:00:02: yesterday comes from the summaries.
    tail = JournalTail(store, today=lambda: date(2026, 11, 21))
    assert tail.poll() == []
    assert store.annotate(tap, {"reason": "staff"}).wait(5)
    assert tail.poll() == []  # not a new tap: the summaries counted it
    assert [(r.id, r.reason) for r in tail.annotated] == [(tap.id, "staff")]
    assert tail.poll() == [] and tail.annotated == []
    store.close()
