"""ResponseStore + JournalStorage: durable, crash-atomic, flat per-tap cost, one writer."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from tinydb import TinyDB
from tinydb.storages import JSONStorage

from kiosk.models import Response, new_response_id
from kiosk.store.response_store import ResponseStore, StoreLocked
from kiosk.store.storage import JournalDB, JournalStorage

TZ = timezone(timedelta(hours=1))


def make(score: int = 4, when: datetime | None = None, kiosk: str = "k1") -> Response:
    return Response(
        id=new_response_id(),
        timestamp=when or datetime.now().astimezone(),
        kiosk=kiosk, question="q", score=score, label=f"label {score}", language="en",
    )


def test_records_survive_reopen(tmp_path):
    store = ResponseStore(tmp_path).open_writer()
    written = [make(s) for s in (1, 2, 3, 4, 5)]
    for response in written:
        store.record(response)
    assert store.close() == []
    reopened = ResponseStore(tmp_path)
    assert list(reopened.iter_responses()) == written


def test_listener_runs_after_the_tap_is_on_disk(tmp_path):
    store = ResponseStore(tmp_path).open_writer()
    seen_on_disk = []
    done = threading.Event()

    def listener(response):
        # a separate reader must already see it: it is durable before we are told
        seen_on_disk.append([r.id for r in ResponseStore(tmp_path).iter_responses()])
        done.set()

    store.add_listener(listener)
    response = make()
    store.record(response)
    assert done.wait(5)
    store.close()
    assert seen_on_disk == [[response.id]]


def test_records_of_several_days_go_to_their_own_day_files(tmp_path):
    store = ResponseStore(tmp_path).open_writer()
    base = datetime(2026, 3, 1, 23, 59, 59).astimezone()
    responses = [make(4, base), make(5, base + timedelta(seconds=1)), make(2, base + timedelta(days=3))]
    for response in responses:
        store.record(response)
    store.close()
    reader = ResponseStore(tmp_path)
    days = [reader.day_of(r) for r in responses]
    assert reader.days() == sorted(set(days))
    assert [r.id for r in reader.iter_responses(since=days[1], until=days[1])] == [responses[1].id]
    assert [r.id for r in reader.iter_responses()] == [r.id for r in responses]


def test_day_summaries_match_the_rows_and_refresh_when_a_day_grows(tmp_path):
    store = ResponseStore(tmp_path).open_writer()
    noon = datetime.now().astimezone().replace(hour=12, minute=0)
    for score in (5, 5, 4, 1):
        store.record(make(score, noon))
    store.wait_idle()
    reader = ResponseStore(tmp_path)
    hours = reader.day_hours()
    assert hours[noon.date()][12].counts == {1: 1, 2: 0, 3: 0, 4: 1, 5: 2}
    store.record(make(3, noon + timedelta(hours=1)))
    store.close()
    hours = reader.day_hours()  # the cache is stale for that day: re-read
    assert hours[noon.date()][13].counts[3] == 1


def test_per_tap_work_does_not_grow_with_history(tmp_path, monkeypatch):
    """A tap writes one line to today's file, whatever the history holds."""
    old_day = datetime(2025, 1, 1, 12, 0).astimezone()
    bulk = ResponseStore(tmp_path)
    bulk.write_now(make(4, old_day + timedelta(seconds=i)) for i in range(3000))
    bulk.close()

    written: list[int] = []
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: written.append(len(data)) or real_write(fd, data))
    store = ResponseStore(tmp_path).open_writer()
    for _ in range(20):
        store.record(make(5))
    store.close()
    # one small append per tap; nothing proportional to the 3000 stored
    tap_writes = [n for n in written if n > 10]
    assert len(tap_writes) == 20 and max(tap_writes) < 400
    today_file = ResponseStore(tmp_path).day_path(datetime.now().astimezone().date())
    assert today_file.stat().st_size < 20 * 400


def test_insert_never_rewrites_the_table(tmp_path, monkeypatch):
    """TinyDB's own insert rebuilds the table dict: ours must bypass it."""
    db = JournalDB(tmp_path / "day.jsonl", storage=JournalStorage)
    table = db.table("responses")
    for i in range(100):
        table.insert({"i": i})
    calls = []
    monkeypatch.setattr(JournalStorage, "write", lambda self, data: calls.append(1))
    table.insert({"i": 100})
    assert calls == []
    assert len(table) == 101


def test_updates_and_removes_are_journaled(tmp_path):
    path = tmp_path / "day.jsonl"
    db = JournalDB(path, storage=JournalStorage)
    table = db.table("responses")
    ids = [table.insert({"score": s}) for s in (1, 2, 3)]
    table.update({"score": 5}, doc_ids=[ids[0]])
    table.remove(doc_ids=[ids[1]])
    db.close()
    db = JournalDB(path, storage=JournalStorage)
    assert sorted(d["score"] for d in db.table("responses").all()) == [3, 5]


def test_torn_last_line_is_moved_aside_and_good_records_kept(tmp_path):
    store = ResponseStore(tmp_path).open_writer()
    kept = [make(s) for s in (1, 2, 3)]
    for response in kept:
        store.record(response)
    store.close()
    day_file = ResponseStore(tmp_path).day_path(store.day_of(kept[0]))
    with open(day_file, "ab") as handle:
        handle.write(b'{"op":"put","table":"responses","id":"4","doc":{"id":"x","sco')
    reader = ResponseStore(tmp_path)
    assert [r.id for r in reader.iter_responses()] == [r.id for r in kept]
    assert reader.damage == []  # a reader treats an unfinished last line as in flight

    store = ResponseStore(tmp_path).open_writer()
    new = make(5)
    store.record(new)
    store.close()
    assert [r.id for r in ResponseStore(tmp_path).iter_responses()] == [r.id for r in kept + [new]]
    [aside] = list(day_file.parent.glob("*.damaged-*"))
    assert b'"sco' in aside.read_bytes()
    assert store.damage and "moved to" in store.damage[0].describe()


def test_garbage_line_in_the_middle_is_moved_aside(tmp_path):
    store = ResponseStore(tmp_path).open_writer()
    first, second = make(1), make(2)
    store.record(first)
    store.wait_idle()
    store.close()
    day_file = ResponseStore(tmp_path).day_path(store.day_of(first))
    with open(day_file, "ab") as handle:
        handle.write(b"\x00\x00garbage\n[1,2,3]\n")
    store = ResponseStore(tmp_path).open_writer()
    store.record(second)
    store.close()
    assert [r.id for r in ResponseStore(tmp_path).iter_responses()] == [first.id, second.id]
    assert store.damage[0].lines == 2


def test_kill_mid_stream_keeps_every_acknowledged_tap(tmp_path):
    """A child records taps and prints each id once durable; we SIGKILL it."""
    code = f"""
import sys
from kiosk.store.response_store import ResponseStore
from tests.store.test_store import make
store = ResponseStore({str(tmp_path)!r}).open_writer()
store.add_listener(lambda r: print(r.id, flush=True))
for i in range(100000):
    store.record(make(i % 5 + 1))
    if i % 50 == 0:
        store.wait_idle()
"""
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             cwd=Path(__file__).resolve().parents[2], text=True)
    acknowledged = []
    for line in child.stdout:
        acknowledged.append(line.strip())
        if len(acknowledged) >= 300:
            child.kill()
            break
    child.wait()
    child.stdout.close()
    stored_ids = {r.id for r in ResponseStore(tmp_path).iter_responses()}
    assert set(acknowledged) <= stored_ids


def test_second_writer_is_refused_with_a_clear_message(tmp_path):
    first = ResponseStore(tmp_path).open_writer()
    with pytest.raises(StoreLocked, match="another kiosk .* already recording"):
        ResponseStore(tmp_path).open_writer()
    first.close()
    ResponseStore(tmp_path).open_writer().close()  # free again after close


def test_lock_is_refused_across_processes(tmp_path):
    first = ResponseStore(tmp_path).open_writer()
    code = f"""
from kiosk.store.response_store import ResponseStore, StoreLocked
try:
    ResponseStore({str(tmp_path)!r}).open_writer()
except StoreLocked as exc:
    print("refused:", exc)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    first.close()
    assert out.startswith("refused:") and str(os.getpid()) in out


def test_failed_write_keeps_the_tap_and_retries(tmp_path, monkeypatch):
    """ENOSPC from os.write itself (below the storage): kept, reported, retried."""
    real_write = os.write
    failures = [3]

    def full_disk(fd, data):
        if failures[0] and threading.current_thread().name == "kiosk-writer":
            failures[0] -= 1
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    store = ResponseStore(tmp_path, retry_seconds=0.01).open_writer()
    response = make(3)
    receipt = store.record(response)
    assert receipt.wait(5) and store.wait_idle(5)
    assert failures == [0] and store.last_error is None
    store.close()
    assert [r.id for r in ResponseStore(tmp_path).iter_responses()] == [response.id]


def test_close_returns_what_could_not_be_written(tmp_path, monkeypatch):
    real_write = os.write

    def read_only(fd, data):
        if threading.current_thread().name == "kiosk-writer":
            raise OSError(30, "Read-only file system")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", read_only)
    store = ResponseStore(tmp_path, retry_seconds=0.01).open_writer()
    response = make(2)
    receipt = store.record(response)
    unwritten = store.close(timeout=0.2)
    assert unwritten == [response] and not receipt.is_set()
    assert "Read-only" in store.last_error


def test_stock_tinydb_for_comparison_rewrites_whole_file(tmp_path):
    """Why the custom storage exists: JSONStorage writes everything per insert."""
    db = TinyDB(tmp_path / "stock.json", storage=JSONStorage)
    for i in range(200):
        db.insert({"i": i})
    size_before = (tmp_path / "stock.json").stat().st_size
    sizes = []
    real_write = JSONStorage.write
    JSONStorage.write = lambda self, data: (sizes.append(len(str(data))), real_write(self, data))[1]
    try:
        db.insert({"i": 200})
    finally:
        JSONStorage.write = real_write
    assert sizes[0] >= size_before * 0.8
