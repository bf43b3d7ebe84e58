"""The writer: the one thread that makes taps durable, through TinyDB.

``record()`` only queues a response and returns a ``Receipt``; the writer
thread inserts it into its local day's TinyDB (a ``JournalDB`` over
``JournalStorage``: one appended line + fdatasync), sets the receipt, then tells
the listeners.  A failed write of any kind keeps the item queued, says why in
``last_error`` and is retried with a growing pause; nothing is dropped silently.

Opening a day file costs only a read of its tail (``JournalStorage(lazy=True)``):
the first tap after a restart does not wait for a parse of a 300k-row day.  The
writer keeps the databases of at most two days open (today and the day before,
where a follow-up answered just after midnight lands), and the response ids of
those days only: its memory does not grow with the number of taps.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from kiosk.models import Response, doc_problem
from kiosk.store.datadir import TABLE, DataDir
from kiosk.store.lock import StoreLocked, check_lock_holds, lock_data_dir  # noqa: F401 (re-exported)
from kiosk.store.storage import JournalDB, JournalStorage, fsync_dir
from kiosk.store.summaries import SummaryCache, tally_docs

Listener = Callable[[Response], None]
OPEN_DAYS = 2  # today's database and yesterday's (post-midnight annotations)


def valid_doc(table: str, doc: dict[str, Any]) -> bool:
    """The writer's check when it opens a day file: wrong-shape records are moved aside."""
    return table != TABLE or doc_problem(doc) is None


class Receipt(threading.Event):
    """Set once the queued item is durable (``wait(timeout)`` -> bool)."""


@dataclass(frozen=True)
class Annotation:
    """Fields a customer added after the tap, for the writer to put on its record."""

    response: Response
    extra: dict[str, Any]


@dataclass
class _Item:
    what: Response | Annotation
    receipt: Receipt = field(default_factory=Receipt)
    failed: bool = False  # an earlier attempt failed: its line may be in the file


@dataclass
class _Day:
    """An open day database, the response id -> doc id of its records known
    so far (all of them once its file was parsed whole)."""

    db: JournalDB
    doc_ids: dict[str, int]
    complete: bool = False  # doc_ids holds every record of the file
    # Ids already in the file when it was opened lazily, read by a helper
    # thread (1 s for 300k rows) so that no tap waits for them.
    file_ids: frozenset[str] = frozenset()
    file_ids_read: threading.Event = field(default_factory=threading.Event)

    def holds(self, response_id: str, *, certain: bool = False) -> bool:
        """Whether the day holds ``response_id``.  ``certain``: wait for the
        ids read aside first (a retried tap: the failed attempt's line may
        have stayed in the file when it could not be cut back)."""
        if certain and not self.complete:
            self.file_ids_read.wait()
        return response_id in self.doc_ids or response_id in self.file_ids


def describe_failure(data_dir: Path, exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot write to {data_dir}: {exc.strerror or exc}"
    return f"the writer failed on {data_dir}: {type(exc).__name__}: {exc}"


class JournalWriter:
    """The writer thread of one data dir (the caller holds its lock)."""

    def __init__(self, datadir: DataDir, *, retry_seconds: float = 1.0,
                 max_retry_seconds: float = 30.0, lock_fd: int | None = None) -> None:
        self.datadir = datadir
        self.lock_fd = lock_fd  # the data dir's lock: day files are opened only under it
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self.last_error: str | None = None
        self._listeners: list[Listener] = []
        self._days: OrderedDict[date, _Day] = OrderedDict()
        self._queue: deque[_Item] = deque()
        self._wakeup = threading.Condition()
        self._stopping = False
        self._busy = False  # the writer holds an item it has not finished
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kiosk-writer", daemon=True)
        self._thread.start()

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def queue(self, what: Response | Annotation) -> Receipt:
        item = _Item(what)
        with self._wakeup:
            self._queue.append(item)
            self._wakeup.notify()
        return item.receipt

    @property
    def pending(self) -> int:
        """Items accepted but not yet durable."""
        return len(self._queue)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._wakeup:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wakeup.wait(left)
        return True

    def stop(self, timeout: float) -> list[Response]:
        """Drain (up to ``timeout``), stop the thread, close the day files;
        returns the responses that could not be made durable."""
        if self._thread is not None:
            self.wait_idle(timeout)
            with self._wakeup:
                self._stopping = True
                self._wakeup.notify_all()
            self._thread.join(timeout=1.0)
            self._thread = None
        self._close_days()
        return merge_annotations(item.what for item in self._queue)

    # -- the thread ----------------------------------------------------------------
    def _run(self) -> None:
        # Open yesterday's and today's files (those that exist) before the
        # first tap comes: only their tails are read (a tail torn by a crash
        # is cut off there; a follow-up after midnight writes to yesterday),
        # and nothing is created before there is a tap.
        try:
            today = self.datadir.calendar.today()
            for day in (today - timedelta(days=1), today):
                if self.datadir.day_path(day).exists():
                    self._day(day)
        except Exception:  # noqa: BLE001 - the first write reports and retries
            self._close_days()
        delay = self.retry_seconds
        while True:
            with self._wakeup:
                while not self._queue and not self._stopping:
                    self._wakeup.wait()
                if not self._queue:
                    return
                item = self._queue[0]
                self._busy = True
            try:
                self._write(item.what, retried=item.failed)
            except Exception as exc:  # noqa: BLE001 - any failure: keep the item, retry
                item.failed = True
                self.last_error = describe_failure(self.datadir.path, exc)
                self._close_days()  # reopen cleanly on the next try
                with self._wakeup:
                    self._busy = False
                    if self._stopping:
                        return
                    self._wakeup.wait(delay)
                delay = min(delay * 2, self.max_retry_seconds)
                continue
            delay = self.retry_seconds
            self.last_error = None
            with self._wakeup:
                self._queue.popleft()
                self._busy = False
                self._wakeup.notify_all()
            item.receipt.set()
            if isinstance(item.what, Response):
                for listener in self._listeners:
                    try:
                        listener(item.what)
                    except Exception:  # noqa: BLE001 - a listener never stops the writer
                        pass

    def _write(self, what: Response | Annotation, *, retried: bool = False) -> None:
        if isinstance(what, Annotation):
            response = what.response
            day = self._day(self.datadir.day_of(response))
            table = day.db.table(TABLE)
            doc_id = day.doc_ids.get(response.id)
            if doc_id is not None:
                table.update(what.extra, doc_ids=[doc_id])  # one line, no re-read
            else:
                from tinydb import Query

                table.update(what.extra, Query().id == response.id)
            return
        day = self._day(self.datadir.day_of(what))
        if day.holds(what.id, certain=retried):
            return  # already stored: one record per id
        day.doc_ids[what.id] = day.db.table(TABLE).insert(what.to_doc())

    def _day(self, day: date) -> _Day:
        open_day = self._days.get(day)
        if open_day is None:
            if self.lock_fd is not None:
                check_lock_holds(self.datadir.path, self.lock_fd)
            db = JournalDB(self.datadir.day_path(day), storage=JournalStorage,
                           valid_doc=valid_doc, lazy=True)
            open_day = self._days[day] = _Day(db, {})
            storage = _journal(db)
            if storage.damage:
                self.datadir.damage.append(storage.damage)
            if not storage.loaded and storage.size:
                threading.Thread(target=self._read_file_ids, args=(open_day, storage.size),
                                 name="kiosk-day-ids", daemon=True).start()
            else:
                open_day.file_ids_read.set()  # nothing to read aside
            while len(self._days) > OPEN_DAYS:
                _old, oldest = self._days.popitem(last=False)
                _close(oldest.db)
        else:
            self._days.move_to_end(day)
        storage = _journal(open_day.db)
        if storage.loaded and not open_day.complete:
            # Parsed whole (after a crash, or for an annotation of an older
            # record): from now on every id of the day is known.
            for doc_id, doc in storage.cached_documents(TABLE).items():
                if isinstance(doc.get("id"), str):
                    open_day.doc_ids.setdefault(doc["id"], int(doc_id))
            open_day.complete = True
        return open_day

    def _read_file_ids(self, open_day: _Day, end: int) -> None:
        try:
            path = _journal(open_day.db).path
            open_day.file_ids = frozenset(self.datadir.ids_in_file(path, end))
        except Exception:  # noqa: BLE001 - a later whole parse (if any) knows them too
            pass
        finally:
            open_day.file_ids_read.set()

    def _close_days(self) -> None:
        while self._days:
            _day, open_day = self._days.popitem()
            _close(open_day.db)


def _journal(db: JournalDB) -> JournalStorage:
    storage = db.storage
    assert isinstance(storage, JournalStorage)
    return storage


def _close(db: JournalDB) -> None:
    try:
        db.close()
    except OSError:
        pass


def write_bulk(datadir: DataDir, summaries: SummaryCache, responses: Iterable[Response]) -> int:
    """Write responses synchronously (bulk loads: demo data, imports), the caller
    holding the data dir's lock.

    Consecutive responses of one local day go to that day's file in one append
    and one fsync, skipping ids already in that day; the summaries of days
    written whole are primed, so ``kiosk stats`` never has to re-read them."""
    count = 0
    primed: dict[str, list[Any]] = {}
    stale: set[str] = set()
    tz = datadir.calendar.tz
    for day, group in groupby(responses, key=datadir.day_of):
        path = datadir.day_path(day)
        storage = JournalStorage(path, sync=False, valid_doc=valid_doc)
        if storage.damage:
            datadir.damage.append(storage.damage)
        existed = bool(storage.cached_documents(TABLE))
        known = {doc.get("id") for doc in storage.cached_documents(TABLE).values()}
        docs = []
        for response in group:
            if response.id not in known:
                known.add(response.id)
                docs.append(response.to_doc())
        try:
            if docs:
                storage.append_documents(TABLE, docs)
        finally:
            storage.close()  # fsyncs once
        count += len(docs)
        key = day.isoformat()
        if existed or key in primed:
            stale.add(key)  # other documents are in there too: re-read later
        elif docs:
            primed[key] = summaries.entry(path.stat(), tally_docs(docs, tz))
    fsync_dir(datadir.responses_dir)  # the new day files' names
    summaries.prime(primed, stale)
    return count


def merge_annotations(items: Iterable[Response | Annotation]) -> list[Response]:
    """Unwritten queue items as whole records (an annotation carries its response)."""
    merged: dict[str, Response] = {}
    for item in items:
        if isinstance(item, Annotation):
            base = merged.get(item.response.id, item.response)
            merged[item.response.id] = replace(base, **item.extra)
        else:
            merged[item.id] = item
    return list(merged.values())
