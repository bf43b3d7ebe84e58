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
from kiosk.fleet.failures import SyncBusy as SyncBusy
from kiosk.fleet.failures import SyncMismatch as SyncMismatch
from kiosk.fleet.failures import SyncRefused as SyncRefused
from kiosk.fleet.failures import SyncUnavailable as SyncUnavailable
from kiosk.fleet.failures import classify
from kiosk.fleet.journal import SyncCursor, backlog, pending_chunks
from kiosk.fleet.reconcile import (
    ForeignCounts,
    Quarantine,
    adopted_ids,
    day_file_names,
    day_reports,
    installation_id,
)
from kiosk.fleet.rules import printable, row_problem
from kiosk.fleet.status import SyncState, read_state, write_state
from kiosk.store.localtime import Calendar

LOCK_FILE = "sync.lock"

# The batch travels as one JSON array (one text parameter: psycopg's per-element
# array dumping cost 2 s per 30,000 rows in Python; this costs ~50 ms).  A row is
# the kiosk's and its id together (migration 0003): two sites may share an id.
UPSERT = """
INSERT INTO fleet.responses AS r
    (id, kiosk_id, ts, local_day, local_hour, question, score, label, language, flagged,
     reason, comment, nps, made_as)
SELECT id, kiosk_id, ts, local_day, local_hour, question, score, label, language, flagged,
       reason, comment, nps, made_as
FROM json_to_recordset(%s::json) AS x(
    id text, kiosk_id text, ts timestamptz, local_day date, local_hour smallint, question text,
    score smallint, label text, language text, flagged boolean, reason text, comment text,
    nps smallint, made_as text)
ON CONFLICT (kiosk_id, id) DO UPDATE SET
    reason = coalesce(excluded.reason, r.reason),
    comment = coalesce(excluded.comment, r.comment),
    nps = coalesce(excluded.nps, r.nps),
    synced_at = now()
WHERE (excluded.reason IS NOT NULL AND excluded.reason IS DISTINCT FROM r.reason)
   OR (excluded.comment IS NOT NULL AND excluded.comment IS DISTINCT FROM r.comment)
   OR (excluded.nps IS NOT NULL AND excluded.nps IS DISTINCT FROM r.nps)
"""
# What the database holds of the batch just sent (a kiosk sees its own rows only).
STORED = """
SELECT count(*) FROM fleet.responses
WHERE kiosk_id = %s AND id IN (SELECT value FROM json_array_elements_text(%s::json))
"""


@dataclass(frozen=True)
class PassResult:
    pushed: int  # answers sent (annotations included)
    chunks: int
    stored: int = 0  # of those, rows the database holds (counted there)
    rejected: int = 0  # quarantined in this pass
    reasons: tuple[str, ...] = ()  # why, one per distinct reason
    foreign: str | None = None  # "60 answers under counter-1 ..." or None
    gaps: str | None = None  # head office's holdings, one line


def rows_of(docs: list[dict[str, Any]], calendar: Calendar,
            site: str | None = None) -> list[dict[str, Any]]:
    """Response documents (one row per id: the latest put) as payload rows; day and
    hour in the kiosk's configured zone, as its own store files them.  With
    ``site``, rows of adopted ids go under it and keep their id in ``made_as``.
    Each row carries its UTC offset under "offset" for rules.row_problem."""
    latest: dict[str, dict[str, Any]] = {}
    for doc in docs:
        latest[doc["id"]] = doc  # a later put is the same record with more fields
    rows = []
    for doc in latest.values():
        stamp = datetime.fromisoformat(doc["timestamp"])
        day, hour = calendar.day_and_hour(stamp)
        kiosk = site or doc["kiosk"]
        rows.append({
            "id": doc["id"], "kiosk_id": kiosk, "ts": doc["timestamp"],
            "local_day": day.isoformat(), "local_hour": hour,
            "question": doc["question"], "score": doc["score"], "label": doc["label"],
            "language": doc["language"], "flagged": bool(doc.get("flagged", False)),
            "reason": doc.get("reason"), "comment": doc.get("comment"), "nps": doc.get("nps"),
            "made_as": doc["kiosk"] if doc["kiosk"] != kiosk else None,
            "offset": stamp.utcoffset()})
    return rows


def _json(rows: list[dict[str, Any]]) -> str:
    return orjson.dumps([{k: v for k, v in row.items() if k != "offset"}
                         for row in rows]).decode("utf-8")


def payload(docs: list[dict[str, Any]], calendar: Calendar) -> tuple[str]:
    """Response documents as the upsert's one parameter (tests send forged ones)."""
    return (_json(rows_of(docs, calendar)),)


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
        """Push everything past the cursor, quarantining rows the database would refuse,
        then report the touched days for reconciliation.  SyncUnavailable (or a
        subclass) when the push failed; SyncBusy if another sync runs."""
        with _SyncLock(self.data_dir):
            cursor = SyncCursor(self.data_dir)
            quarantine = Quarantine(self.data_dir)
            adopted = adopted_ids(self.data_dir)
            mine = {self.kiosk_id} | adopted
            touched: set[str] = set()
            counts = ForeignCounts(self.data_dir)
            skipped = pushed = stored = chunks = 0
            reasons: dict[str, int] = {}
            try:
                conn = self._connection()
                for chunk in pending_chunks(self.data_dir, cursor, self.settings.batch):
                    own = [d for d in chunk.docs if d["kiosk"] in mine
                           and d["id"] not in quarantine.rows]
                    skipped += sum(d["kiosk"] not in mine for d in chunk.docs)
                    good = []
                    for row in rows_of(own, self.calendar, self.kiosk_id):
                        problem = row_problem(row)
                        if problem is None:
                            good.append(row)
                        else:
                            self._quarantine(conn, quarantine, row, problem, reasons)
                    if good:
                        stored += self._push(conn, good, quarantine, reasons)
                    cursor.advance(chunk.name, chunk.end, chunk.inode)
                    touched.add(chunk.name)
                    pushed += len(own)
                    chunks += 1
                every = not counts.complete  # first pass, upgrade, adoption: every day
                names = day_file_names(self.data_dir) if every else sorted(touched)
                gaps = self._report(conn, names, adopted, quarantine, counts)
            except Exception as exc:
                if not _is_database_error(exc) and not isinstance(exc, SyncUnavailable):
                    raise
                self._close()
                failure = exc if isinstance(exc, SyncUnavailable) else classify(exc)
                waiting = backlog(self.data_dir, self.kiosk_id, cursor)
                write_state(self.data_dir, SyncState(
                    synced_at=None, waiting=waiting.answers,
                    waiting_since=waiting.oldest.isoformat() if waiting.oldest else None,
                    error=f"{failure.prefix}: {failure}", skipped=skipped,
                    **self._local_state(quarantine, counts)))
                raise failure from None
            local = self._local_state(quarantine, counts)
            write_state(self.data_dir, SyncState(
                synced_at=self._now().isoformat(), skipped=skipped, head_office=gaps, **local))
            why = tuple(f"{n} × {reason}" for reason, n in reasons.items())
            return PassResult(pushed, chunks, stored, sum(reasons.values()), why,
                              local["foreign"], gaps)

    def _push(self, conn: Any, rows: list[dict[str, Any]], quarantine: Quarantine,
              reasons: dict[str, int]) -> int:
        """One transaction; what the server refuses is split in halves until the refused
        rows are found and quarantined.  Returns the rows the database holds."""
        import psycopg

        try:
            with conn.transaction():
                conn.execute(UPSERT, (_json(rows),))
                ids = orjson.dumps([row["id"] for row in rows]).decode("utf-8")
                held = conn.execute(STORED, (self.kiosk_id, ids)).fetchone()[0]
                if held != len(rows):
                    raise SyncMismatch(f"sent {len(rows)} answers of "
                                       f"{rows[0]['local_day']}, it holds {held} of them")
                return int(held)
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError,
                psycopg.errors.ProgramLimitExceeded) as exc:
            if len(rows) == 1:
                self._quarantine(conn, quarantine, rows[0], first_line(exc), reasons)
                return 0
            half = len(rows) // 2
            return (self._push(conn, rows[:half], quarantine, reasons)
                    + self._push(conn, rows[half:], quarantine, reasons))

    def _quarantine(self, conn: Any, quarantine: Quarantine, row: dict[str, Any],
                    problem: str, reasons: dict[str, int]) -> None:
        quarantine.add(row["id"], row["local_day"], problem)
        reasons[problem] = reasons.get(problem, 0) + 1
        conn.execute("SELECT fleet.report_quarantine(%s, %s, %s)",
                      (printable(row["id"], 200), row["local_day"], printable(problem, 500)))

    def _report(self, conn: Any, names: list[str], adopted: set[str],
                quarantine: Quarantine, counts: ForeignCounts) -> str | None:
        """Send the days' counts and digests; what head office holds of them, one line."""
        reports, per_file = day_reports(self.data_dir, names, self.kiosk_id, adopted,
                                        self.calendar, quarantine.ids())
        with conn.transaction():
            for r in reports:
                conn.execute("SELECT fleet.report_day(%s, %s, %s, %s, %s, %s)",
                              (r.day, r.answers, r.digest, r.quarantined, r.foreign,
                               r.foreign_ids))
        counts.update(per_file)  # after the server has the reports
        if not reports:
            return _read_state_line(self.data_dir)
        gaps = conn.execute("SELECT local_day, reported, held FROM fleet.my_gaps(%s) "
                            "ORDER BY local_day", ([r.day for r in reports],)).fetchall()
        if not gaps:
            return f"head office holds every answer up to {reports[-1].day.isoformat()}"
        day, reported, held = gaps[0]
        more = f" (and {len(gaps) - 1} more days)" if len(gaps) > 1 else ""
        if reported is not None and held < reported:
            return f"{reported - held} answers of {day.isoformat()} missing at head office{more}"
        return f"head office's answers of {day.isoformat()} differ from this counter's{more}"

    def _local_state(self, quarantine: Quarantine, counts: ForeignCounts) -> dict[str, Any]:
        others = counts.total()
        foreign = None
        if others:
            old, count = others.most_common(1)[0]
            foreign = (f"{sum(others.values())} answers recorded under another kiosk id "
                       f"({', '.join(others)}) are not synced; to sync them as "
                       f"{self.kiosk_id}: kiosk fleet adopt {old}")
        reasons = sorted({row["reason"] for row in quarantine.rows.values()})
        rejected = None
        if quarantine.rows:
            rejected = f"{len(quarantine.rows)} rows rejected ({'; '.join(reasons[:2])})"
        return {"foreign": foreign, "rejected": rejected}

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            conn = connect(self.settings.url, read_password(self.settings), autocommit=True)
            try:
                row = conn.execute("SELECT fleet.claim(%s, %s)", (
                    installation_id(self.data_dir), self.config.kiosk.timezone)).fetchone()
                refusal = row[0] if row else "the database did not answer fleet.claim"
            except BaseException:
                conn.close()
                raise
            if refusal is not None:
                conn.close()
                raise SyncRefused(refusal)
            self._conn = conn
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


def _read_state_line(data_dir: Path) -> str | None:
    state = read_state(data_dir)
    return state.head_office if state else None


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
