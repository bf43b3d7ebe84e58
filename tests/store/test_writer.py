"""The writer thread: survives any failure, opens a big day file without
parsing it, one record per id, memory bounded to two days."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import kiosk.store.storage
from kiosk.models import Response, new_response_id
from kiosk.store.response_store import ResponseStore
from kiosk.store.storage import TAIL_BYTES

UTC = UTC
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make(when: datetime = NOON, score: int = 4, response_id: str | None = None) -> Response:
    return Response(id=response_id or new_response_id(), timestamp=when, kiosk="k",
                    question="q", score=score, label=f"L{score}", language="en")


def writer(tmp_path, now: datetime = NOON, **kwargs) -> ResponseStore:
    return ResponseStore(tmp_path, tz="UTC", clock=lambda: now, **kwargs).open_writer()


def test_the_writer_survives_a_fault_that_is_not_an_oserror(tmp_path, monkeypatch):
    """A TypeError from the encoder (below the writer) is reported and retried."""
    real_encode = kiosk.store.storage._encode
    failures = [3]
    seen_errors = []

    def broken_encode(entry):
        if failures[0]:
            failures[0] -= 1
            raise TypeError("simulated encoder bug")
        return real_encode(entry)

    monkeypatch.setattr(kiosk.store.storage, "_encode", broken_encode)
    store = writer(tmp_path, retry_seconds=0.01)
    store.add_listener(lambda r: seen_errors.append(store.last_error))
    response = make()
    receipt = store.record(response)
    assert receipt.wait(5)
    assert failures == [0] and store.last_error is None
    later = make(score=2)
    assert store.record(later).wait(5)  # the thread is still alive
    store.close()
    assert [r.id for r in ResponseStore(tmp_path, tz="UTC").iter_responses()] == \
        [response.id, later.id]


def test_a_failing_writer_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(kiosk.store.storage, "_encode",
                        lambda entry: (_ for _ in ()).throw(RecursionError("deep")))
    store = writer(tmp_path, retry_seconds=0.01)
    receipt = store.record(make())
    assert not receipt.wait(0.3)
    assert "RecursionError: deep" in store.last_error and store.pending == 1
    assert len(store.close(timeout=0.1)) == 1


def test_first_tap_after_start_reads_only_the_tail_of_a_big_day_file(tmp_path, monkeypatch):
    day_rows = 20_000
    bulk = ResponseStore(tmp_path, tz="UTC")
    bulk.write_now(make(NOON - timedelta(seconds=i)) for i in range(day_rows, 0, -1))
    bulk.close()
    path = bulk.day_path(NOON.date())
    assert path.stat().st_size > 20 * TAIL_BYTES
    parsed: list[int] = []
    real_parse = kiosk.store.storage.parse_journal

    def counting_parse(blob, valid_doc=None):
        if threading.current_thread().name == "kiosk-writer":
            parsed.append(len(blob))
        return real_parse(blob, valid_doc)

    monkeypatch.setattr(kiosk.store.storage, "parse_journal", counting_parse)
    store = writer(tmp_path)
    tap = make(NOON + timedelta(seconds=1), score=2)
    assert store.record(tap).wait(5)
    assert store.annotate(tap, {"reason": "staff"}).wait(5)  # onto the tap: no re-read
    store.close()
    assert parsed and max(parsed) <= TAIL_BYTES
    docs = ResponseStore(tmp_path, tz="UTC").iter_day_docs(NOON.date())
    assert len(docs) == day_rows + 1 and docs[-1]["id"] == tap.id
    assert docs[-1]["reason"] == "staff"
    lines = path.read_bytes().splitlines()
    doc_ids = [line.split(b'"id":"')[1].split(b'"')[0] for line in lines]
    assert doc_ids[-2] == doc_ids[-1] == str(day_rows + 1).encode()  # next id, then its update


def test_an_id_is_stored_once(tmp_path):
    store = writer(tmp_path)
    response = make()
    store.record(response)
    assert store.record(response).wait(5)
    store.close()
    bulk = ResponseStore(tmp_path, tz="UTC")
    again = make(response.timestamp, response_id=response.id)
    assert bulk.write_now([again, make()]) == 1
    bulk.close()
    ids = [r.id for r in ResponseStore(tmp_path, tz="UTC").iter_responses()]
    assert len(ids) == 2 and ids.count(response.id) == 1


def test_stored_ids_sees_every_record_of_the_data_dir(tmp_path):
    bulk = ResponseStore(tmp_path, tz="UTC")
    responses = [make(NOON - timedelta(days=d)) for d in range(3)]
    odd = make(NOON - timedelta(days=5), response_id='id with "quotes" \\ and é')
    bulk.write_now(responses + [odd])
    bulk.close()
    # a foreign line with "id" not first (the slow path) and a torn last line
    foreign = bulk.day_path(NOON.date())
    with open(foreign, "ab") as handle:
        handle.write(b'{"op":"put","table":"responses","id":"99","doc":{"score":1,"id":"x-1"}}\n'
                     b'{"op":"put","table":"responses","id":"100","doc":{"id":"torn')
    ids = ResponseStore(tmp_path, tz="UTC").stored_ids()
    assert ids == {r.id for r in responses} | {odd.id, "x-1"}
    assert ResponseStore(tmp_path, tz="UTC").stored_ids(since=NOON.date()) == \
        {responses[0].id, "x-1"}


def test_the_writer_keeps_two_days_open_at_most(tmp_path):
    store = writer(tmp_path)
    for day in range(4):
        assert store.record(make(NOON + timedelta(days=day))).wait(5)
    assert len(store._writer._days) == 2
    store.close()
    assert len(ResponseStore(tmp_path, tz="UTC").days()) == 4


def test_a_restarted_writer_refuses_an_id_already_in_todays_file(tmp_path):
    first = make(NOON - timedelta(hours=1))
    bulk = ResponseStore(tmp_path, tz="UTC")
    bulk.write_now([first, make(NOON - timedelta(minutes=30))])
    bulk.close()
    store = writer(tmp_path)  # opens today's file lazily, reads its ids aside
    assert store.record(make()).wait(5)  # today's file is open: its ids are being read
    for thread in threading.enumerate():
        if thread.name == "kiosk-day-ids":
            thread.join(5)
    assert store.record(make(first.timestamp, score=1, response_id=first.id)).wait(5)
    store.close()
    stored = list(ResponseStore(tmp_path, tz="UTC").iter_responses())
    assert [r.id for r in stored].count(first.id) == 1 and len(stored) == 3


def test_ids_file_by_file(tmp_path):
    bulk = ResponseStore(tmp_path, tz="UTC")
    first, second = make(NOON - timedelta(days=1)), make(NOON)
    bulk.write_now([first, second])
    bulk.close()
    reader = ResponseStore(tmp_path, tz="UTC")
    assert [(path.name, ids) for path, ids in reader.iter_day_ids()] == [
        ("2026-11-19.jsonl", {first.id}), ("2026-11-20.jsonl", {second.id})]
