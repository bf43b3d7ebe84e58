"""Checking one import row: its cells turned into a ``Response`` and its local day.

Part of ``kiosk import`` (see ``kiosk.data.importer``): ``parse_row`` takes the
cells of one CSV record (or of one fallback document, ``fields_of_doc``) and
returns the response or raises ``RowError`` with a reason for a person
(``id is empty``, ``score '7' is not a whole number from 1 to 5``…).  Text cells
are taken back exactly as export wrote them (``unguard``, ``visible``), so
export -> import -> export gives identical files.

Imports the model, the export's cell rules and ``kiosk.data.reading``.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kiosk.data.export import COLUMNS, csv_row, guard, visible
from kiosk.data.reading import _ANNOTATIONS, _HAS_NPS, _OPTIONAL_TEXT, KNOWN_COLUMNS, Header
from kiosk.models import Response, doc_problem

MAX_ID_CHARS = 200
MAX_FIELD_CHARS = 1_000

# A plausible answer time: from 2000-01-01 00:00 UTC to one day after the importing
# machine's now (clock skew between kiosks); anything else is a broken clock or a
# made-up row, and would break day partitions and charts (year 1, year 9999).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)

_SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_FLAGS = {"1": True, "true": True, "0": False, "false": False, "": False}
_TEXT_LIMITS = tuple((name, MAX_ID_CHARS if name == "id" else MAX_FIELD_CHARS)
                     for name in ("id", "kiosk", "question", "label", "language"))
_NPS = {str(n): n for n in range(11)}


class RowError(Exception):
    """Why one row is rejected."""


# An export's columns, in order: a fallback document goes through the same row checks.
_EXPORT_HEADER = Header({name: i for i, name in enumerate(COLUMNS) if name in KNOWN_COLUMNS},
                        len(COLUMNS))


def _fields_of_doc(doc: Any) -> list[str]:
    """A fallback document as the cells an export would write (``RowError`` when it
    is not a response), so that ``parse_row`` checks it like any imported row."""
    if type(doc) is not dict:
        raise RowError("not a JSON object")
    problem = doc_problem(doc)
    if problem is not None:
        raise RowError(f"not a response ({problem})")
    return ["" if value is None else str(value) for value in csv_row(doc)]


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
    ident = fields[index["id"]]
    if not ident.isprintable():
        raise RowError(_unprintable_id(ident))
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


def _unprintable_id(ident: str) -> str:
    """Why an id holding a control, bidi, zero-width or other invisible character is
    refused: it would show as another id, or reorder or hide text where it is shown."""
    bad = next(c for c in ident if not c.isprintable())
    name = unicodedata.name(bad, "a control character")
    return (f"id {_show(ident)} holds U+{ord(bad):04X} ({name}); an id must be printable "
            "text only (no control, bidi or invisible characters): fix it in the file")


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
