"""Reading import files: whole-file checks, the header, CSV records and fallback lines.

Part of ``kiosk import`` (see ``kiosk.data.importer``): a file is refused as a
whole (``NotAnExport``: not a regular file, not UTF-8, a NUL byte, no export
header) before anything is written; otherwise it is split into CSV records
(or fallback JSON lines) with bounded memory: a record is read in pieces of
``READ_PIECE`` characters and one longer than ``MAX_RECORD_CHARS`` is counted,
not kept.  Checking what a row says is ``kiosk.data.rows``.

Imports the model and the export's column list; no store, no Textual.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from kiosk.models import Response

# The columns every export has had; ``flagged`` came later (optional).  The
# annotations a response may carry (``reason``, ``comment``, ``nps``) are read
# when the model has them, so a round trip keeps them; any other column is ignored.
REQUIRED_COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language")
_MODEL_FIELDS = frozenset(f.name for f in dataclasses.fields(Response))
_OPTIONAL_TEXT = tuple(name for name in ("reason", "comment") if name in _MODEL_FIELDS)
_HAS_NPS = "nps" in _MODEL_FIELDS
_ANNOTATIONS = (*_OPTIONAL_TEXT, *(("nps",) if _HAS_NPS else ()))
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "flagged", *_ANNOTATIONS)
MAX_RECORD_CHARS = 100_000  # below csv's default field limit (131,072)
READ_PIECE = 65_536  # characters per readline(): no line is ever read whole
SCAN_BLOCK = 1 << 20  # bytes per block when checking the encoding
_LINE_ENDS = ("\n", "\r")


class NotAnExport(Exception):
    """A file refused as a whole, as one line ``FILE: why``."""

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
