"""Push the kiosk's responses to the fleet database: one pass, or a background thread.

A pass reads the journal past the durable cursor (journal.py) and pushes it in
chunks, one transaction each: an upsert by response id.  A new id inserts; a
later put of the same id (the reason, comment or NPS added after the tap) fills
those fields; a line pushed twice changes nothing, so a pass cut anywhere
(kill, power cut, server gone) is simply run again.  The database's triggers
keep the tallies in the same transaction (migrations/0001_fleet.sql).

The thread never touches the UI or the store: taps and the thank-you screen
never wait for it.  When the server is unreachable it backs off (1 s doubling
to 5 min) and retries; ``wake()`` (after a tap) starts a pass early.
"""
from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from kiosk.config import Config
from kiosk.fleet.connection import FleetError, connect, first_line, read_password
from kiosk.fleet.journal import SyncCursor, backlog, pending_chunks
from kiosk.fleet.status import SyncState, write_state
from kiosk.store.localtime import Calendar

LOCK_FILE = "sync.lock"

# The batch travels as one JSON array (one text parameter: psycopg's per-element
# array dumping cost 2 s per 30,000 rows in Python; this costs ~50 ms).
UPSERT = """
INSERT INTO fleet.responses AS r
    (id, kiosk_id, ts, local_day, local_hour, question, score, label, language, flagged,
     reason, comment, nps)
SELECT id, kiosk_id, ts, local_day, local_hour, question, score, label, language, flagged,
       reason, comment, nps
FROM json_to_recordset(%s::json) AS x(
    id text, kiosk_id text, ts timestamptz, local_day date, local_hour smallint, question text,
    score smallint, label text, language text, flagged boolean, reason text, comment text,
    nps smallint)
ON CONFLICT (id) DO UPDATE SET
    reason = coalesce(excluded.reason, r.reason),
    comment = coalesce(excluded.comment, r.comment),
    nps = coalesce(excluded.nps, r.nps),
    synced_at = now()
WHERE (excluded.reason IS NOT NULL AND excluded.reason IS DISTINCT FROM r.reason)
   OR (excluded.comment IS NOT NULL AND excluded.comment IS DISTINCT FROM r.comment)
   OR (excluded.nps IS NOT NULL AND excluded.nps IS DISTINCT FROM r.nps)
"""


class SyncUnavailable(Exception):
    """The database could not be reached or refused the push (one line)."""


class SyncBusy(Exception):
    """Another sync of this data dir is running (the kiosk's thread or cron)."""


@dataclass(frozen=True)
class PassResult:
    pushed: int  # response lines sent (annotations included)
    chunks: int


def payload(docs: list[dict[str, Any]], calendar: Calendar) -> tuple[str]:
    """Response documents (one row per id: the latest put) as the upsert's parameter;
    day and hour in the kiosk's configured zone, as its own store files them."""
    latest: dict[str, dict[str, Any]] = {}
    for doc in docs:
        latest[doc["id"]] = doc  # a later put is the same record with more fields
    rows = []
    for doc in latest.values():
        day, hour = calendar.day_and_hour(datetime.fromisoformat(doc["timestamp"]))
        rows.append({
            "id": doc["id"], "kiosk_id": doc["kiosk"], "ts": doc["timestamp"],
            "local_day": day.isoformat(), "local_hour": hour,
            "question": doc["question"], "score": doc["score"], "label": doc["label"],
            "language": doc["language"], "flagged": bool(doc.get("flagged", False)),
            "reason": doc.get("reason"), "comment": doc.get("comment"), "nps": doc.get("nps")})
    return (orjson.dumps(rows).decode("utf-8"),)


class Syncer:
    """Pushes one data dir's responses for one kiosk id."""

    def __init__(self, config: Config, *, now: Callable[[], datetime] | None = None) -> None:
        if config.sync is None:
            raise FleetError(f"{config.path}: no [sync] table: nothing to sync to")
        self.config = config
        self.settings = config.sync
        self.data_dir = config.data_dir
        self.kiosk_id = config.kiosk.id
        self.calendar = Calendar(config.kiosk.timezone)
        self._now = now or self.calendar.now
        self._conn: Any = None

    def run_once(self) -> PassResult:
        """Push everything past the cursor.  SyncUnavailable when the database is out
        of reach (the cursor keeps what was pushed); SyncBusy if another sync runs."""
        with _SyncLock(self.data_dir):
            cursor = SyncCursor(self.data_dir)
            skipped = 0
            pushed = chunks = 0
            try:
                conn = self._connection()
                for chunk in pending_chunks(self.data_dir, cursor, self.settings.batch):
                    own = [doc for doc in chunk.docs if doc["kiosk"] == self.kiosk_id]
                    skipped += len(chunk.docs) - len(own)
                    if own:
                        with conn.transaction():
                            conn.execute(UPSERT, payload(own, self.calendar))
                    cursor.advance(chunk.name, chunk.end, chunk.inode)
                    pushed += len(own)
                    chunks += 1
            except Exception as exc:
                if not _is_database_error(exc):
                    raise
                self._close()
                reason = first_line(exc)
                waiting = backlog(self.data_dir, self.kiosk_id, cursor)
                write_state(self.data_dir, SyncState(
                    synced_at=None, waiting=waiting.answers,
                    waiting_since=waiting.oldest.isoformat() if waiting.oldest else None,
                    error=reason, skipped=skipped))
                raise SyncUnavailable(reason) from None
            write_state(self.data_dir, SyncState(
                synced_at=self._now().isoformat(), skipped=skipped))
            return PassResult(pushed, chunks)

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect(self.settings.url, read_password(self.settings),
                                 autocommit=True)
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close
                pass
            self._conn = None

    def close(self) -> None:
        self._close()


def _is_database_error(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, psycopg.Error)


class _SyncLock:
    """One sync per data dir at a time (the kiosk's thread and a cron job may meet)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.fd: int | None = None

    def __enter__(self) -> _SyncLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)  # a kiosk with no tap yet
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SyncBusy(f"{self.path.parent}: another sync is running") from None
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class SyncThread:
    """The running kiosk's background sync: a daemon thread with its own connection."""

    def __init__(self, syncer: Syncer, *, interval: float, min_backoff: float = 1.0,
                 max_backoff: float = 300.0) -> None:
        self.syncer = syncer
        self.interval = interval
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kiosk-sync", daemon=True)

    def start(self) -> SyncThread:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Start a pass soon (called on the store's writer thread after a tap: O(1))."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self.syncer.close()

    def _loop(self) -> None:
        delay = self.min_backoff
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.syncer.run_once()
                wait, delay = self.interval, self.min_backoff
            except SyncBusy:
                wait = self.interval
            except Exception as exc:  # noqa: BLE001 - the kiosk keeps serving whatever happens
                if not isinstance(exc, SyncUnavailable):
                    _record_failure(self.syncer, exc)
                wait, delay = delay, min(delay * 2, self.max_backoff)
            self._wake.wait(wait)


def _record_failure(syncer: Syncer, exc: BaseException) -> None:
    """A failure that is not the database's (password file gone, disk full): into the
    state file, for the admin view; never onto the customer's screen."""
    try:
        write_state(syncer.data_dir, SyncState(error=first_line(exc)))
    except OSError:
        pass
