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


def test_a_repair_by_another_process_swaps_the_file_and_the_tail_follows(tmp_path):
    """Issue 22 point 10: another process repairs today's file (damaged line moved aside,
    the file rewritten atomically: a new inode, every byte after the damage shifted) and
    then records a tap.  The open admin view counts that tap, once, nothing twice, and
    shows the damaged-parts warning."""
    import subprocess
    import sys
    from pathlib import Path

    from kiosk.views.source import StoreSource

    noon = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    store = writer(tmp_path, noon)
    taps = [make(noon - timedelta(minutes=m), score=4) for m in range(3)]
    for tap in taps:
        assert store.record(tap).wait(5)
    store.close()
    path = store.day_path(noon.date())
    with open(path, "ab") as out:
        out.write(b"{oops\n")  # a damaged line, as a disk error leaves one
    from kiosk.store.response_store import ResponseStore

    reader = ResponseStore(tmp_path, tz="UTC", clock=lambda: noon)  # the admin's: reads only
    source = StoreSource(reader, today=lambda: noon.date())
    first = source.poll()
    assert sorted(r.id for r in first.new) == sorted(t.id for t in taps)
    assert not any("damaged part" in line for line in source.problems())
    inode = path.stat().st_ino
    # a second process: a kiosk starting on this data dir repairs, then records a tap
    script = (
        "import sys; from datetime import datetime, timezone\n"
        "from kiosk.store.storage import JournalStorage\n"
        "from kiosk.store.response_store import ResponseStore\n"
        "from kiosk.models import Response\n"
        "JournalStorage(sys.argv[2]).close()  # the full open repairs the file\n"
        "noon = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)\n"
        "store = ResponseStore(sys.argv[1], tz='UTC', clock=lambda: noon).open_writer()\n"
        "assert store.record(Response(id='after-repair', timestamp=noon, kiosk='k',"
        " question='q', score=1, label='x', language='en')).wait(5)\n"
        "store.close()\n")
    subprocess.run([sys.executable, "-c", script, str(tmp_path), str(path)], check=True,
                   cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert path.stat().st_ino != inode  # really swapped
    assert list(path.parent.glob("*.damaged-*"))
    live = source.poll()
    assert [r.id for r in live.new] == ["after-repair"]
    assert live.annotated == []
    assert source.poll().new == []
    assert any("damaged part" in line for line in source.problems())
    assert source.tail.swaps == 1
