"""A failing disk, injected at os.write / os.fsync level (below the store's own
recovery code): short writes, EIO after a partial write, ENOSPC on fsync, EIO on
fdatasync then success.  Each scenario runs under the power-loss recorder, so the
check is not only "the tap is in the file" but "every tap the store acknowledged
survives a power cut at any point, exactly once" (after a failed fsync the model
drops the unsynced writes for good, as Linux may: fsyncgate)."""
from __future__ import annotations

import errno
import os
import random
import tempfile
import threading
import time
from pathlib import Path

import pytest

from kiosk.store.response_store import ResponseStore
from kiosk.store.storage import parse_journal
from tests.store import powerloss
from tests.store.powerloss import Report, check_cut, cut_points, record_scenario


@pytest.fixture
def ram_dir(tmp_path):
    """A RAM disk when there is one: the power-loss model decides what is durable,
    real fsyncs would only make the run slower."""
    if not os.access("/dev/shm", os.W_OK):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(prefix="faults-", dir="/dev/shm") as scratch:
        yield Path(scratch)


class Fault:
    """The Recorder's fault hook: fails the ``nth`` (1-based) matching calls."""

    def __init__(self, calls: tuple[str, ...], nth: set[int], error: int | None = None,
                 short: int | None = None, where=lambda path: path.endswith(".jsonl")) -> None:
        self.calls, self.nth, self.error, self.short, self.where = calls, nth, error, short, where
        self.seen = 0
        self.fired = 0
        self.lock = threading.Lock()

    def __call__(self, call: str, path: str | None, fd: int | None) -> int | None:
        if call not in self.calls or path is None or not self.where(path):
            return None
        with self.lock:
            self.seen += 1
            if self.seen not in self.nth:
                return None
            self.fired += 1
        if self.error is not None:
            raise OSError(self.error, "injected " + errno.errorcode[self.error])
        return self.short


def run_under(fault, scratch: Path, seed: int = 5) -> Report:
    """The power-loss scenario with ``fault`` injected; then cut after every
    acknowledgement and at 100 random points, and check the real disk too."""
    root = scratch / "disk"
    root.mkdir()
    trace = record_scenario(root, seed, fault)
    report = Report()
    rng = random.Random(seed)
    for cut in cut_points(trace, len(trace.acks) + 101, rng):
        check_cut(trace, cut, rng, scratch / "cuts", report)
    assert report.failures == []
    store = ResponseStore(root / "data")
    for path in store.day_files():
        _entries, bad, _end = parse_journal(path.read_bytes())
        assert bad == [], f"{path.name}: torn or bad line left: {bad[:1]}"
    ids = [doc["id"] for doc in store.iter_docs()]
    assert len(ids) == len(set(ids)), "a retried tap was stored twice"
    assert {a.response_id for a in trace.acks} <= set(ids)
    # only the torn tail the scenario planted was moved aside, no failed append
    assert len(store.damaged_parts()) == 1
    return report


def test_short_writes_are_completed(ram_dir):
    fault = Fault(("write",), nth=set(range(1, 10_000)), short=7)  # 7 bytes a call, always
    run_under(fault, ram_dir)
    assert fault.fired > 100


def test_eio_after_a_partial_write_cuts_back_and_retries_the_tap(ram_dir):
    # the 3rd and 9th appends write a part, then the next call fails
    partial = Fault(("write",), nth={3, 10}, short=25)
    broken = Fault(("write",), nth={4, 11}, error=errno.EIO)

    def fault(call, path, fd):
        broken(call, path, fd)
        return partial(call, path, fd)

    run_under(fault, ram_dir)
    assert partial.fired == 2 and broken.fired == 2


def test_enospc_on_fdatasync_is_retried(ram_dir):
    fault = Fault(("fdatasync",), nth={2, 3, 7}, error=errno.ENOSPC)
    run_under(fault, ram_dir)
    assert fault.fired == 3


def test_eio_on_fdatasync_then_success_rewrites_instead_of_trusting_the_cache(ram_dir):
    fault = Fault(("fdatasync",), nth={1, 5, 6, 12}, error=errno.EIO)
    run_under(fault, ram_dir)
    assert fault.fired == 4


def test_failing_directory_fsync_holds_back_the_first_tap_of_a_new_day(ram_dir):
    # the kiosk's directory fsyncs of responses/ fail four times, then work
    seen: set[str] = set()

    def fault(call, path, fd):
        if (call == "fsync" and path and path.endswith("responses")
                and threading.current_thread().name == "kiosk-writer"):
            key = f"{len(seen)}"
            if key not in seen and len(seen) < 4:
                seen.add(key)
                raise OSError(errno.ENOSPC, "injected ENOSPC")
        return None

    run_under(fault, ram_dir)
    assert len(seen) == 4


def test_enospc_on_the_repair_and_on_summaries(ram_dir):
    fault = Fault(("fsync", "replace"), nth={1, 2, 4}, error=errno.ENOSPC,
                  where=lambda path: ".damaged-" in path or "summaries" in path)
    run_under(fault, ram_dir)
    assert fault.fired == 3


def test_the_writer_keeps_serving_and_says_so_while_fdatasync_fails(ram_dir):
    from tests.store.test_store import make

    root = ram_dir / "disk"
    root.mkdir()
    gate = threading.Event()

    def fault(call, path, fd):
        if call == "fdatasync" and not gate.is_set():
            raise OSError(errno.EIO, "injected EIO")

    recorder = powerloss.Recorder(root, fault)
    acknowledged: list[str] = []
    with recorder.installed():
        store = ResponseStore(root / "data", retry_seconds=0.001).open_writer()
        store.add_listener(lambda r: acknowledged.append(r.id))
        taps = [make(s) for s in (1, 2, 3)]
        for tap in taps:
            store.record(tap)
        deadline = time.monotonic() + 30  # wait for the condition, not for a fixed time
        while store.last_error is None and time.monotonic() < deadline:
            store.wait_idle(timeout=0.01)
        assert acknowledged == [] and store.pending == 3  # nothing durable: nothing acknowledged
        assert store.last_error and "injected EIO" in store.last_error
        gate.set()
        assert store.wait_idle()
        assert store.last_error is None
        late = make(4)
        store.record(late)
        assert store.wait_idle()
        assert store.close() == []
    assert acknowledged == [t.id for t in taps] + [late.id]
    ids = [r.id for r in ResponseStore(root / "data").iter_responses()]
    assert ids == acknowledged


def test_enospc_opening_or_creating_a_day_file_is_retried(ram_dir):
    fault = Fault(("open",), nth={1, 3, 4}, error=errno.ENOSPC)

    def in_the_writer(call, path, fd):
        if threading.current_thread().name == "kiosk-writer":
            return fault(call, path, fd)
        return None

    run_under(in_the_writer, ram_dir)
    assert fault.fired == 3
