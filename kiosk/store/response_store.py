"""ResponseStore: the data dir as the rest of the kiosk sees it.

A thin facade over three modules with one job each:

- ``kiosk.store.datadir``   the reader: the day-file layout, the documents, the ids;
- ``kiosk.store.summaries`` the per-day summaries cache (``summaries.json``);
- ``kiosk.store.writer``    the one writer thread (TinyDB over ``JournalStorage``),
                      and the bulk writer for imports and demo data.

Every day and hour is taken in the configured zone (``tz``, a ``Calendar``).
"""
from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from kiosk.models import Response
from kiosk.store.datadir import RESPONSES_DIR, SUMMARY_FILE, TABLE, DataDir
from kiosk.store.localtime import Calendar, record_zone
from kiosk.store.lock import LOCK_FILE, StoreLocked, lock_data_dir
from kiosk.store.storage import Damage, make_dirs
from kiosk.store.summaries import DayHours, SummaryCache
from kiosk.store.writer import Annotation, JournalWriter, Listener, Receipt, valid_doc, write_bulk
from scoring import Breakdown, Tally

__all__ = ["ResponseStore", "StoreLocked", "Receipt", "Annotation", "TABLE", "RESPONSES_DIR",
           "SUMMARY_FILE", "LOCK_FILE", "DayHours", "valid_doc"]


class ResponseStore:
    """Read access to a data dir; ``open_writer()`` adds the single writer."""

    def __init__(self, data_dir: str | os.PathLike[str], *,
                 tz: Calendar | tzinfo | str | None = None,
                 clock: Callable[[], datetime] | None = None,
                 retry_seconds: float = 1.0, max_retry_seconds: float = 30.0) -> None:
        self.calendar = tz if isinstance(tz, Calendar) else Calendar(tz, clock)
        self.reader = DataDir(data_dir, self.calendar)
        self.summary_cache = SummaryCache(self.reader)
        self.data_dir = self.reader.path
        self.responses_dir = self.reader.responses_dir
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds  # the back-off's ceiling while the disk fails
        self._writer: JournalWriter | None = None
        self._closed_writer: JournalWriter | None = None  # its last word stays readable
        self._lock_fd: int | None = None

    # -- the writer ----------------------------------------------------------
    def open_writer(self) -> ResponseStore:
        """Take the data dir's lock and start the writer thread."""
        self._take_lock("stop it first or start with --data-dir pointing elsewhere",
                        full_disk_ok=True)
        self._writer = JournalWriter(self.reader, retry_seconds=self.retry_seconds,
                                     max_retry_seconds=self.max_retry_seconds,
                                     lock_fd=self._lock_fd)
        self._writer.start()
        return self

    def add_listener(self, listener: Listener) -> None:
        """``listener(response)`` runs on the writer thread after the response is durable."""
        self._require_writer().add_listener(listener)

    def record(self, response: Response) -> Receipt:
        """Queue a response for the writer; returns at once with a receipt that
        is set when the response is durable."""
        return self._require_writer().queue(response)

    def annotate(self, response: Response, extra: dict[str, Any]) -> Receipt:
        """Queue fields added after the tap (reason, comment, NPS) onto its record."""
        return self._require_writer().queue(Annotation(response, dict(extra)))

    def _require_writer(self) -> JournalWriter:
        if self._writer is None:
            raise RuntimeError("store not opened for writing (call open_writer())")
        return self._writer

    @property
    def pending(self) -> int:
        """Responses and annotations accepted but not yet durable."""
        return self._writer.pending if self._writer else 0

    @property
    def last_error(self) -> str | None:
        """Why the writer could not write the last time it tried (None: fine)."""
        writer = self._writer or self._closed_writer
        return writer.last_error if writer else None

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued response is durable (shutdown)."""
        return self._writer.wait_idle(timeout) if self._writer else True

    def write_now(self, responses: Iterable[Response]) -> int:
        """Write responses synchronously (bulk loads: demo data, imports); ids
        already stored in a response's day are skipped.  Only for a store
        without a running writer thread; takes the lock (``lock_for_bulk``)."""
        if self._writer is not None:
            raise RuntimeError("bulk writes need the store without its writer thread")
        self.lock_for_bulk()
        return write_bulk(self.reader, self.summary_cache, responses)

    def lock_for_bulk(self) -> ResponseStore:
        """Take the data dir's lock for bulk writes (``write_now``) now, before
        any reading: raises ``StoreLocked`` when a kiosk records there.  Kept
        until ``close()``; taking it twice is a no-op."""
        if self._lock_fd is not None:
            return self
        if self._writer is not None:
            raise RuntimeError("bulk writes need the store without its writer thread")
        self._take_lock("stop it before a bulk load")
        return self

    def _take_lock(self, advice: str, full_disk_ok: bool = False) -> None:
        """The one-writer rule (kiosk/store/lock.py): raises ``StoreLocked``.
        ``full_disk_ok`` (the kiosk's writer): a disk too full to record the zone does
        not stop the start; taps wait in memory and the next start records it."""
        make_dirs(self.responses_dir)
        self._lock_fd = lock_data_dir(self.data_dir, advice)
        try:
            record_zone(self.data_dir, self.calendar.name)
        except OSError as exc:
            if not (full_disk_ok and exc.errno in (errno.ENOSPC, errno.EDQUOT)):
                raise

    def close(self, timeout: float = 5.0) -> list[Response]:
        """Stop the writer after it drained the queue (up to ``timeout``).
        Returns the responses that could not be made durable."""
        unwritten: list[Response] = []
        if self._writer is not None:
            unwritten = self._writer.stop(timeout)
            self._closed_writer, self._writer = self._writer, None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None
        return unwritten

    # -- reading (kiosk.store.datadir) ---------------------------------------------
    @property
    def damage(self) -> list[Damage]:
        return self.reader.damage

    def day_of(self, response: Response) -> date:
        return self.reader.day_of(response)

    def today(self) -> date:
        return self.calendar.today()

    def day_path(self, day: date) -> Path:
        return self.reader.day_path(day)

    def days(self) -> list[date]:
        return self.reader.days()

    def day_files(self, since: date | None = None, until: date | None = None) -> list[Path]:
        return self.reader.day_files(since, until)

    def iter_day_batches(self, since: date | None = None, until: date | None = None
                         ) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
        return self.reader.iter_day_batches(since, until)

    def iter_docs(self, since: date | None = None, until: date | None = None
                  ) -> Iterator[dict[str, Any]]:
        return self.reader.iter_docs(since, until)

    def iter_day_docs(self, day: date) -> list[dict[str, Any]]:
        return self.reader.iter_day_docs(day)

    def iter_responses(self, since: date | None = None, until: date | None = None
                       ) -> Iterator[Response]:
        return self.reader.iter_responses(since, until)

    def damaged_parts(self) -> list[Path]:
        return self.reader.damaged_parts()

    def note_damage(self, path: Path, count: int) -> None:
        self.reader.note_damage(path, count)

    def stored_ids(self, since: date | None = None, until: date | None = None) -> set[str]:
        """Every response id stored in the data dir (see ``DataDir.stored_ids``)."""
        return self.reader.stored_ids(since, until)

    def iter_day_ids(self, since: date | None = None, until: date | None = None
                     ) -> Iterator[tuple[Path, set[str]]]:
        """(day file, its response ids), file by file (see ``DataDir.iter_day_ids``)."""
        return self.reader.iter_day_ids(since, until)

    # -- per-day summaries (kiosk.store.summaries) -----------------------------------
    def summaries(self, since: date | None = None, until: date | None = None, *,
                  skip: date | None = None) -> tuple[DayHours, dict[date, Breakdown]]:
        """Per-day, per-hour tallies and per-day breakdowns for [since, until]."""
        return self.summary_cache.summaries(since, until, skip=skip)

    def day_hours(self, since: date | None = None, until: date | None = None) -> DayHours:
        return self.summaries(since, until)[0]

    def day_breakdowns(self, since: date | None = None, until: date | None = None
                       ) -> dict[date, Breakdown]:
        return self.summaries(since, until)[1]

    def day_totals(self, since: date | None = None, until: date | None = None
                   ) -> dict[date, Tally]:
        return self.summary_cache.day_totals(since, until)

    def future_dated(self, now: datetime | None = None) -> int:
        """How many answers are dated after ``now`` (default: the calendar's now):
        a clock set wrong.  They count everywhere like any other answer."""
        return self.summary_cache.future_dated(now or self.calendar.now())
