"""``kiosk import FILE.csv [...]``: read CSV exports (of this or other kiosks) into the store.

What it accepts: files written by ``kiosk export`` (columns ``id,timestamp,kiosk,
question,score,label,language``; ``flagged`` is optional, as in older exports),
in any column order, with or without a UTF-8 byte order mark.  The optional
annotations ``reason``, ``comment`` (text) and ``nps`` (0-10) are read when the
``Response`` model has them (an empty cell: none); any other column is ignored.  The formula-injection guard of
``export.guard`` (a ``'`` before ``= + - @``, white space, invisible or look-alike
signs, or before a ``'``) is taken off text cells again, and control characters
are made visible as export writes them (``export.visible``), so export -> import
-> export gives identical files.

How it decides, in this order:

1. Every file is checked before anything is written: it must be a regular file,
   UTF-8 throughout (checked by streaming, not loaded), free of NUL bytes and
   start with a header naming the export's columns.  If any file fails, the run
   is refused: one line ``kiosk: FILE: why`` per bad file on stderr, exit code 2,
   nothing written.
2. The data dir's lock is taken (``StoreLocked`` propagates: a kiosk recording
   there makes the CLI answer with one line and exit code 2, nothing written).
3. Rows are validated one by one; a bad row is rejected with a reason
   (``file:line: why``) and the rest go on.  A row is stored whole or not at all.
   A timestamp must lie in 2000-01-01 00:00 UTC .. now + 1 day (``EARLIEST``,
   ``FUTURE_SLACK``; the clock is injectable): year 1, year 9999 or a skewed
   clock are rejected with that reason, never stored.
4. Identity is the response id across the whole data dir (``stored_ids``: every
   day file read once, whatever the importing process's time zone or the day
   file a row would land in).  An id already stored with the same values counts
   as "already present" (so importing a file twice, under any ``TZ``, adds
   nothing); with other values (another timestamp, score…) the row is rejected
   with the differing columns named and the stored one kept.  An id seen twice in
   one import counts once the same way.  Good rows are written in chunks of
   ``CHUNK_ROWS`` with ``write_now`` (one append and one fsync per day file);
   memory is the id index (~80 bytes per stored id) plus one chunk.

Report (stdout): one line per file and one total line with rows added / already
present / rejected, then up to ``MAX_REASONS`` rejection reasons and
"… and N more".  Exit code: 0, or 1 when rows were rejected and not a single
row was added or already present (nothing in the input was usable).

Hostile input: one CSV record (all its fields) may hold at most
``MAX_RECORD_CHARS`` characters and is read in pieces of ``READ_PIECE``
characters, so a 100 MB field costs about 100 kB of memory and is rejected with
a reason; the process-wide ``csv.field_size_limit`` is left alone (records
handed to ``csv`` are already shorter than its default limit).  Known fields
hold at most ``MAX_FIELD_CHARS`` characters (ids ``MAX_ID_CHARS``).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.config import Config
from kiosk.data.identity import StoredIds
from kiosk.data.merge import missing_annotations, put_annotations
from kiosk.data.reading import (
    MAX_RECORD_CHARS,
    Header,
    NotAnExport,
    Record,
    _check_file,
    _json_lines,
    _read_header,
    _split,
    is_json_lines,
    iter_records,
)
from kiosk.data.rows import (
    _EXPORT_HEADER,
    FUTURE_SLACK,
    RowError,
    _differences,
    _doc,
    _fields_of_doc,
    _show,
    _text_cell,
    parse_row,
)
from kiosk.models import Response, local_now
from kiosk.store.response_store import TABLE, ResponseStore

__all__ = ["CHUNK_ROWS", "Importer", "NotAnExport", "RowError", "StoreFailed", "StoredIds",
           "_text_cell", "parse_row", "run_import", "stored_ids"]

REFUSED = 2
NOTHING_USABLE = 1
CHUNK_ROWS = 20_000
MAX_REASONS = 20


class StoreFailed(Exception):
    """The data dir could not be read or written (disk full, read-only, I/O error)."""


# -- entry point ------------------------------------------------------------------

def run_import(args: argparse.Namespace, config: Config) -> int:
    """``kiosk import``: returns the exit code (see the module doc)."""
    paths: list[str] = list(args.files)
    refused = [str(exc) for exc in (_check_file(path) for path in paths) if exc]
    if refused:
        for line in refused:
            print(f"kiosk: {line}", file=sys.stderr)
        return REFUSED
    store = ResponseStore(config.data_dir, tz=config.kiosk.timezone)
    job = Importer(store)
    failure: str | None = None
    try:
        # Take the data dir's lock before reading anything (raises StoreLocked):
        # a kiosk recording there refuses the import before any work is done.
        store.lock_for_bulk()
        for path in paths:
            job.import_file(path)
    except NotAnExport as exc:  # the file changed after it was checked
        failure = str(exc)
    except StoreFailed as exc:
        failure = f"{config.data_dir}: cannot store the rows ({exc})"
    except OSError as exc:  # taking the lock
        failure = f"{config.data_dir}: cannot lock the data dir ({os_reason(exc)})"
    finally:
        store.close()
    for line in job.report_lines():  # on a failure: what was done before it
        print(line)
    for damage in store.damage:
        print(f"kiosk: warning: {damage.describe()}", file=sys.stderr)
    if failure:
        print(f"kiosk: {failure}", file=sys.stderr)
        return REFUSED
    return job.exit_code()


def os_reason(exc: OSError) -> str:
    """Why, and which file when it is not the one the message already names."""
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason

# -- identity: every id in the data dir ------------------------------------------------

def stored_ids(store: ResponseStore) -> StoredIds:
    """Every response id stored in the data dir, with the day file holding it.

    Identity is the id across the whole data dir: not the local day (which depends
    on the time zone of whoever computes it), not the file a row would land in.
    One fast id scan of every day file (``DataDir.iter_day_ids``)."""
    ids = StoredIds()
    for path, day_ids in store.iter_day_ids():
        for ident in day_ids:
            ids.add(ident, path)
    return ids


# -- the import -----------------------------------------------------------------------

@dataclass
class Counts:
    name: str
    added: int = 0
    present: int = 0
    rejected: int = 0
    annotated: int = 0  # a reason/comment/NPS put onto an answer already stored

    def describe(self) -> str:
        merged = f", {self.annotated} annotation(s) merged onto stored answers" if self.annotated else ""
        return (f"{self.name}: {self.added} added, {self.present} already present, "
                f"{self.rejected} rejected{merged}")


@dataclass
class _Row:
    response: Response
    day: date
    counts: Counts
    line: int


@dataclass
class Importer:
    """Streams files into ``store`` chunk by chunk and keeps the counts."""

    store: ResponseStore
    chunk_rows: int = 0  # 0: CHUNK_ROWS, read when the import runs
    now: Callable[[], datetime] = local_now  # the clock for the plausibility window
    files: list[Counts] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    more_reasons: int = 0
    _chunk: list[_Row] = field(default_factory=list)
    _ids: StoredIds | None = None  # every stored id -> its day file; read at first use
    _latest: datetime | None = None

    def import_file(self, path: str) -> Counts:
        counts = Counts(path)
        self.files.append(counts)
        limit = self.chunk_rows or CHUNK_ROWS
        try:
            if is_json_lines(path):
                self._import_json_lines(path, counts, limit)
                return counts
            with open(path, encoding="utf-8-sig", newline="") as handle:
                records = iter_records(handle)
                header = _read_header(path, records)
                for record in records:
                    row = self._row(record, header, counts)
                    if row is not None:
                        self._chunk.append(row)
                        if len(self._chunk) >= limit:
                            self._flush()
        except UnicodeDecodeError as exc:
            self._flush()  # the rows read so far are good: keep them
            raise NotAnExport(f"{path}: changed while being imported (now not UTF-8: "
                              f"{exc.reason}); the rows before that were imported") from None
        except OSError as exc:
            self._flush()
            raise NotAnExport(f"{path}: cannot read ({exc.strerror or exc}); "
                              "the rows before that were imported") from None
        self._flush()
        return counts

    def _import_json_lines(self, path: str, counts: Counts, limit: int) -> None:
        with open(path, encoding="utf-8") as handle:
            for number, text, length in _json_lines(handle):
                if text is None:
                    self._reject(counts, number, f"line is {length} characters long (at most "
                                 f"{MAX_RECORD_CHARS})")
                    continue
                if not text.strip():
                    continue
                try:
                    try:
                        doc = json.loads(text)
                    except ValueError:
                        raise RowError("not a JSON object") from None
                    response, day = parse_row(_fields_of_doc(doc), _EXPORT_HEADER,
                                              self._window_end(), self.store.calendar.day_of)
                except RowError as exc:
                    self._reject(counts, number, str(exc))
                    continue
                self._chunk.append(_Row(response, day, counts, number))
                if len(self._chunk) >= limit:
                    self._flush()
        self._flush()

    def _window_end(self) -> datetime:
        if self._latest is None:  # one clock reading per import: one window
            self._latest = self.now() + FUTURE_SLACK
        return self._latest

    def _row(self, record: Record, header: Header, counts: Counts) -> _Row | None:
        if record.text is None:
            self._reject(counts, record.line,
                         f"row is {record.length} characters long (at most "
                         f"{MAX_RECORD_CHARS}): a field is far too long")
            return None
        if not record.closed:
            self._reject(counts, record.line, "a quoted field is never closed (the file ends "
                         "inside it)")
            return None
        try:
            fields = _split(record.text)
        except csv.Error as exc:
            self._reject(counts, record.line, f"not valid CSV ({exc})")
            return None
        if not any(fields):
            return None  # a blank line, or a row of empty cells: nothing to import
        try:
            response, day = parse_row(fields, header, self._window_end(),
                                      self.store.calendar.day_of)
        except RowError as exc:
            self._reject(counts, record.line, str(exc))
            return None
        return _Row(response, day, counts, record.line)

    def _reject(self, counts: Counts, line: int, reason: str) -> None:
        counts.rejected += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(f"{counts.name}:{line}: {reason}")
        else:
            self.more_reasons += 1

    def _duplicate(self, row: _Row, differences: list[str], where: str, kept: str) -> None:
        if differences:
            self._reject(row.counts, row.line,
                         f"id {_show(row.response.id)} {where} with a different "
                         f"{', '.join(differences)}; the {kept} one is kept")
        else:
            row.counts.present += 1

    def _flush(self) -> None:
        """Dedupe the chunk by id against itself and every id in the data dir
        (whatever its day file), then write what is new."""
        chunk, self._chunk = self._chunk, []
        if not chunk:
            return
        rows: dict[str, _Row] = {}
        for row in chunk:
            first = rows.get(row.response.id)
            if first is None:
                rows[row.response.id] = row
            else:
                self._duplicate(row, _differences(_doc(first.response), row.response),
                                f"is also on {first.counts.name}:{first.line}", "first")
        try:
            self._store(rows)
        except OSError as exc:
            raise StoreFailed(os_reason(exc)) from exc

    def _store(self, rows: dict[str, _Row]) -> None:
        if self._ids is None:
            self._ids = stored_ids(self.store)
        ids = self._ids
        stored: dict[Path, dict[str, dict[str, Any]]] = {}  # day files read for this chunk
        new: list[_Row] = []
        merges: dict[Path, dict[str, dict[str, Any]]] = {}  # day file -> id -> annotations
        for ident, row in rows.items():
            for path in ids.candidates(ident):
                if path not in stored:
                    docs = self._read_day_file(path)
                    stored[path] = {d["id"]: d for d in docs
                                    if type(d) is dict and type(d.get("id")) is str}
                doc = stored[path].get(ident)
                if doc is not None:
                    differences = _differences(doc, row.response)
                    extra = missing_annotations(doc, _doc(row.response), differences)
                    if extra:  # e.g. a reason saved to the fallback file on a full disk
                        merges.setdefault(path, {})[ident] = extra
                        stored[path][ident] = {**doc, **extra}
                        row.counts.annotated += 1
                    else:
                        self._duplicate(row, differences, f"is already stored in {path.name}",
                                        "stored")
                    break
            else:
                new.append(row)
        if new:
            new.sort(key=lambda row: row.day)  # one append per day file
            self.store.write_now(row.response for row in new)
            paths: dict[date, Path] = {}
            for row in new:
                row.counts.added += 1
                if row.day not in paths:
                    paths[row.day] = self.store.day_path(row.day)
                ids.add(row.response.id, paths[row.day])
        for path, extras in merges.items():
            put_annotations(path, TABLE, extras)

    def _read_day_file(self, path: Path) -> list[dict[str, Any]]:
        from kiosk.store.storage import read_documents

        try:
            return read_documents(path, TABLE, self.store.damage)
        except FileNotFoundError:
            return []

    # -- the report -------------------------------------------------------------------
    def total(self) -> Counts:
        total = Counts(f"total ({len(self.files)} file{'s' if len(self.files) != 1 else ''})")
        for counts in self.files:
            total.added += counts.added
            total.present += counts.present
            total.rejected += counts.rejected
            total.annotated += counts.annotated
        return total

    def report_lines(self) -> list[str]:
        lines = [counts.describe() for counts in self.files]
        lines.append(self.total().describe())
        lines.extend(self.reasons)
        if self.more_reasons:
            lines.append(f"… and {self.more_reasons} more")
        return lines

    def exit_code(self) -> int:
        total = self.total()
        if total.rejected and not (total.added or total.present or total.annotated):
            return NOTHING_USABLE
        return 0
