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
import codecs
import csv
import dataclasses
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from kiosk.config import Config
from kiosk.data.export import COLUMNS, csv_row, guard, visible
from kiosk.models import Response, doc_problem, local_now
from kiosk.store.response_store import ResponseStore

REFUSED = 2
NOTHING_USABLE = 1

# The columns every export has had; ``flagged`` came later (optional).  The
# annotations a response may carry (``reason``, ``comment``, ``nps``) are read
# when the model has them, so a round trip keeps them; any other column is ignored.
REQUIRED_COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language")
_MODEL_FIELDS = frozenset(f.name for f in dataclasses.fields(Response))
_OPTIONAL_TEXT = tuple(name for name in ("reason", "comment") if name in _MODEL_FIELDS)
_HAS_NPS = "nps" in _MODEL_FIELDS
_ANNOTATIONS = (*_OPTIONAL_TEXT, *(("nps",) if _HAS_NPS else ()))
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "flagged", *_ANNOTATIONS)
MAX_ID_CHARS = 200
MAX_FIELD_CHARS = 1_000
MAX_RECORD_CHARS = 100_000  # below csv's default field limit (131,072)
READ_PIECE = 65_536  # characters per readline(): no line is ever read whole
SCAN_BLOCK = 1 << 20  # bytes per block when checking the encoding
CHUNK_ROWS = 20_000
MAX_REASONS = 20
# A plausible answer time: from 2000-01-01 00:00 UTC to one day after the importing
# machine's now (clock skew between kiosks); anything else is a broken clock or a
# made-up row, and would break day partitions and charts (year 1, year 9999).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)

_SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_FLAGS = {"1": True, "true": True, "0": False, "false": False, "": False}
_LINE_ENDS = ("\n", "\r")
_TEXT_LIMITS = tuple((name, MAX_ID_CHARS if name == "id" else MAX_FIELD_CHARS)
                     for name in ("id", "kiosk", "question", "label", "language"))
_NPS = {str(n): n for n in range(11)}


class NotAnExport(Exception):
    """A file refused as a whole, as one line ``FILE: why``."""


class RowError(Exception):
    """Why one row is rejected."""


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


# -- whole-file checks --------------------------------------------------------------

def _check_file(path: str) -> NotAnExport | None:
    """Why ``path`` cannot be imported at all, or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return NotAnExport(f"{path}: no such file")
    except OSError as exc:
        return NotAnExport(f"{path}: cannot read ({exc.strerror or exc})")
    if stat.S_ISDIR(info.st_mode):
        return NotAnExport(f"{path}: is a directory, not a CSV export")
    if not stat.S_ISREG(info.st_mode):
        return NotAnExport(f"{path}: not a regular file")
    if info.st_size == 0:
        return NotAnExport(f"{path}: empty file, not a kiosk export")
    try:
        _check_encoding(path)
        if is_json_lines(path):
            return None  # a fallback file: checked line by line
        with open(path, encoding="utf-8-sig", newline="") as handle:
            _read_header(path, iter_records(handle))
    except NotAnExport as exc:
        return exc
    except UnicodeDecodeError as exc:
        return NotAnExport(f"{path}: not UTF-8 text ({exc.reason}); save it as 'CSV UTF-8'")
    except OSError as exc:
        return NotAnExport(f"{path}: cannot read ({exc.strerror or exc})")
    return None


def _check_encoding(path: str) -> None:
    """Stream the whole file once: UTF-8 throughout, no NUL byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as handle:
        while block := handle.read(SCAN_BLOCK):
            nul = block.find(b"\0")
            if nul >= 0:
                raise NotAnExport(f"{path}: binary data (a NUL byte at offset {offset + nul}), "
                                  "not a CSV export")
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                at = offset + exc.start - (len(exc.object) - len(block))
                raise NotAnExport(
                    f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {at}); "
                    "save it as 'CSV UTF-8'") from None
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise NotAnExport(f"{path}: not UTF-8 text (ends inside a character); "
                          "save it as 'CSV UTF-8'") from None


@dataclass(frozen=True)
class Header:
    index: dict[str, int]  # column name -> position
    width: int


def _read_header(path: str, records: Iterator[Record]) -> Header:
    expected = ",".join(REQUIRED_COLUMNS) + "[,flagged]"
    record = next(records, None)
    if record is None:
        raise NotAnExport(f"{path}: empty file, not a kiosk export")
    if record.text is None or not record.closed:
        raise NotAnExport(f"{path}: not a kiosk export (the first line is not a CSV header "
                          f"like {expected})")
    try:
        names = [name.strip() for name in _split(record.text)]
    except csv.Error as exc:
        raise NotAnExport(f"{path}: not a kiosk export (line 1 is not valid CSV: {exc})") from None
    if not any(names):
        raise NotAnExport(f"{path}: not a kiosk export (line 1 is blank; expected a header "
                          f"like {expected})")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise NotAnExport(f"{path}: not a kiosk export (no column {', '.join(missing)} in "
                          f"line 1; expected {expected})")
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in KNOWN_COLUMNS:
            if name in index:
                raise NotAnExport(f"{path}: not a kiosk export (column {name} appears twice)")
            index[name] = position
    return Header(index, len(names))


# -- reading CSV records with bounded memory ----------------------------------------

@dataclass(frozen=True)
class Record:
    """One CSV record: its first physical line, its text (None when longer than
    ``MAX_RECORD_CHARS``: not kept), its length, and whether its quotes close."""

    line: int
    text: str | None
    length: int
    closed: bool


def iter_records(handle: TextIO) -> Iterator[Record]:
    """Split a text stream (opened with ``newline=''``) into CSV records.

    A record ends at a line end outside quotes: with RFC 4180 quoting (what
    ``csv.writer`` writes) that is a line end after an even number of ``"``.
    Lines are read in pieces of ``READ_PIECE`` characters and an over-long
    record is counted, not kept, so memory stays bounded on hostile files."""
    line = 1
    piece = handle.readline(READ_PIECE)
    while piece:
        start, pieces, length, quotes = line, [], 0, 0
        while True:
            length += len(piece)
            quotes += piece.count('"')
            if length <= MAX_RECORD_CHARS:
                pieces.append(piece)
            elif pieces:
                pieces = []
            ended = piece.endswith(_LINE_ENDS)
            if ended:
                line += 1
            piece = handle.readline(READ_PIECE)
            if (ended and not quotes % 2) or not piece:
                break
        text = "".join(pieces) if length <= MAX_RECORD_CHARS else None
        yield Record(start, text, length, not quotes % 2)


def _split(text: str) -> list[str]:
    """The fields of one record's text (raises ``csv.Error``)."""
    if '"' not in text:  # the common case, ten times faster than csv
        if text.endswith("\r\n"):
            text = text[:-2]
        elif text.endswith(_LINE_ENDS):
            text = text[:-1]
        if "\n" in text or "\r" in text:
            raise csv.Error("a line break in an unquoted field")
        return text.split(",")
    rows = list(csv.reader((text,), strict=True))
    if len(rows) != 1:
        raise csv.Error("more than one row")
    return rows[0]


# -- the fallback file (JSON lines) -------------------------------------------------------

def is_json_lines(path: str) -> bool:
    """A file of ``Response.to_doc()`` lines, as ``kiosk.store.fallback`` writes them."""
    return path.lower().endswith(".jsonl")


# An export's columns, in order: a fallback document goes through the same row checks.
_EXPORT_HEADER = Header({name: i for i, name in enumerate(COLUMNS) if name in KNOWN_COLUMNS},
                        len(COLUMNS))


def _json_lines(handle: TextIO) -> Iterator[tuple[int, str | None, int]]:
    """(line number, text or None when longer than ``MAX_RECORD_CHARS``, length)."""
    number = 0
    while piece := handle.readline(READ_PIECE):
        number += 1
        pieces, length = [piece], len(piece)
        while not piece.endswith("\n") and (piece := handle.readline(READ_PIECE)):
            length += len(piece)
            if length <= MAX_RECORD_CHARS:
                pieces.append(piece)
        yield number, "".join(pieces) if length <= MAX_RECORD_CHARS else None, length


def _fields_of_doc(doc: Any) -> list[str]:
    """A fallback document as the cells an export would write (``RowError`` when it
    is not a response), so that ``parse_row`` checks it like any imported row."""
    if type(doc) is not dict:
        raise RowError("not a JSON object")
    problem = doc_problem(doc)
    if problem is not None:
        raise RowError(f"not a response ({problem})")
    return ["" if value is None else str(value) for value in csv_row(doc)]


# -- one row -----------------------------------------------------------------------------

def unguard(text: str) -> str:
    """Undo exactly ``export.guard``: drop one leading ``'`` when the rest starts
    with what guard guards (``= + - @``, white space, invisible and look-alike
    signs, or ``'``)."""
    if text.startswith("'") and guard(text[1:]) == text:
        return text[1:]
    return text


def _text_cell(value: str) -> str:
    """A text cell as stored: control characters made visible as export writes them
    (so a round trip is byte-identical), the formula guard taken off."""
    value = visible(value)
    return unguard(value) if value[:1] == "'" else value


def _show(value: str, limit: int = 40) -> str:
    """A cell for a one-line message: quoted, control characters escaped, shortened."""
    return repr(value[:limit]) + ("…" if len(value) > limit else "")


def parse_row(fields: list[str], header: Header, latest: datetime | None = None,
              day_of: Callable[[datetime], date] | None = None) -> tuple[Response, date]:
    """The response a row describes and its local day, or ``RowError``.  With
    ``latest``, a timestamp outside ``EARLIEST`` .. ``latest`` is refused."""
    if len(fields) != header.width:
        raise RowError(f"has {len(fields)} fields, the header has {header.width}")
    index = header.index
    text: dict[str, str] = {}
    for name, limit in _TEXT_LIMITS:
        value = _text_cell(fields[index[name]])
        if len(value) > limit:
            raise RowError(f"{name} is {len(value)} characters long (at most {limit})")
        if not value.strip():
            raise RowError(f"{name} is empty")
        text[name] = value
    stamp = fields[index["timestamp"]]
    if len(stamp) > 64:
        raise RowError(f"timestamp {_show(stamp)} is not an ISO 8601 date and time")
    try:
        timestamp = datetime.fromisoformat(stamp)
    except ValueError:
        raise RowError(f"timestamp {_show(stamp)} is not an ISO 8601 date and time "
                       "(like 2026-11-20T10:00:00+01:00)") from None
    if timestamp.tzinfo is None or timestamp.utcoffset() is None:
        raise RowError(f"timestamp {_show(stamp)} has no UTC offset (like +01:00)")
    if latest is not None and not _plausible(timestamp, latest):
        raise RowError(f"timestamp {_show(stamp)} is outside {EARLIEST.date()} .. "
                       f"{latest.isoformat()} (now + 1 day): check the clock of the kiosk "
                       "that wrote it")
    try:
        day = day_of(timestamp) if day_of is not None else timestamp.astimezone().date()
    except (OverflowError, ValueError, OSError):
        raise RowError(f"timestamp {_show(stamp)} is out of range") from None
    raw_score = fields[index["score"]]
    score = _SCORES.get(raw_score)
    if score is None:
        raise RowError(f"score {_show(raw_score)} is not a whole number from 1 to 5")
    flagged = False
    if "flagged" in index:
        raw_flag = fields[index["flagged"]]
        flag = _FLAGS.get(raw_flag.strip().lower())
        if flag is None:
            raise RowError(f"flagged {_show(raw_flag)} is not 0 or 1")
        flagged = flag
    annotations: dict[str, Any] = {}
    for name in _OPTIONAL_TEXT:
        if name in index:
            value = _text_cell(fields[index[name]])
            if len(value) > MAX_FIELD_CHARS:
                raise RowError(f"{name} is {len(value)} characters long "
                               f"(at most {MAX_FIELD_CHARS})")
            if value:  # an empty cell: none given
                annotations[name] = value
    if _HAS_NPS and "nps" in index:
        raw_nps = fields[index["nps"]]
        if raw_nps:
            nps = _NPS.get(raw_nps)
            if nps is None:
                raise RowError(f"nps {_show(raw_nps)} is not a whole number from 0 to 10")
            annotations["nps"] = nps
    response = Response(id=text["id"], timestamp=timestamp, kiosk=text["kiosk"],
                        question=text["question"], score=score, label=text["label"],
                        language=text["language"], flagged=flagged, **annotations)
    return response, day


def _plausible(timestamp: datetime, latest: datetime) -> bool:
    try:
        return EARLIEST <= timestamp <= latest
    except OverflowError:  # year 1 or 9999 with an offset that leaves the calendar
        return False


def _doc(response: Response) -> dict[str, Any]:
    """``response.to_doc()`` without ``dataclasses.asdict``'s deep copies."""
    doc = {"id": response.id, "timestamp": response.timestamp.isoformat(),
           "kiosk": response.kiosk, "question": response.question, "score": response.score,
           "label": response.label, "language": response.language,
           "flagged": response.flagged}
    for name in _ANNOTATIONS:
        value = getattr(response, name)
        if value is not None:
            doc[name] = value
    return doc


def _differences(stored: dict[str, Any], response: Response) -> list[str]:
    """Columns in which a stored document and a response differ, as an export
    would show them (an import of an export compares equal to its source)."""
    new = _doc(response)
    if all(stored.get(name) == value for name, value in new.items()):
        return []  # the common case, without building CSV rows
    old_row = [str(v) for v in csv_row(stored)]
    new_row = [str(v) for v in csv_row(new)]
    return [name for name, a, b in zip(COLUMNS, old_row, new_row) if a != b]


# -- identity: every id in the data dir ------------------------------------------------

class StoredIds:
    """Every response id in the data dir -> the day file(s) that may hold it.

    Keyed by a hash of the id (~80 bytes per stored id instead of ~130 for the
    text): a hit is confirmed by reading the day file, and ids that share a hash
    keep every candidate file, so the answer is exact."""

    def __init__(self, key: Callable[[str], int] = hash) -> None:
        self._key = key
        self._files: dict[int, Path | tuple[Path, ...]] = {}

    def add(self, ident: str, path: Path) -> None:
        key = self._key(ident)
        found = self._files.get(key)
        if found is None:
            self._files[key] = path
        elif isinstance(found, tuple):
            if path not in found:
                self._files[key] = (*found, path)
        elif found != path:
            self._files[key] = (found, path)

    def candidates(self, ident: str) -> tuple[Path, ...]:
        found = self._files.get(self._key(ident))
        if found is None:
            return ()
        return found if isinstance(found, tuple) else (found,)


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

    def describe(self) -> str:
        return (f"{self.name}: {self.added} added, {self.present} already present, "
                f"{self.rejected} rejected")


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
        for ident, row in rows.items():
            for path in ids.candidates(ident):
                if path not in stored:
                    docs = self._read_day_file(path)
                    stored[path] = {d["id"]: d for d in docs
                                    if type(d) is dict and type(d.get("id")) is str}
                doc = stored[path].get(ident)
                if doc is not None:
                    self._duplicate(row, _differences(doc, row.response),
                                    f"is already stored in {path.name}", "stored")
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

    def _read_day_file(self, path: Path) -> list[dict[str, Any]]:
        from kiosk.store.response_store import TABLE
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
        if total.rejected and not (total.added or total.present):
            return NOTHING_USABLE
        return 0
