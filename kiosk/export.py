"""CSV out: one row per response, safe to open in Excel and LibreOffice."""
from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path
from itertools import repeat
from typing import Any, TextIO

from kiosk.storage import Columns

COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language", "flagged",
           "reason", "comment", "nps")
TEXT_COLUMNS = ("id", "kiosk", "question", "label", "language", "reason", "comment")

# A cell starting with one of these is run as a formula by spreadsheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# ... and a cell starting with the guard itself is guarded too, so that the
# guard is exactly reversible (``importer.unguard``).
_GUARDED_STARTS = (*_FORMULA_STARTS, "'")
_QUOTE_IF = (",", '"', "\r", "\n")  # what makes csv.writer (QUOTE_MINIMAL) quote a cell
_TEXT = frozenset(TEXT_COLUMNS)
# Columns whose values repeat (a handful per file): their cells are memoised.
_HIGH_CARDINALITY = frozenset(("id", "timestamp", "comment"))
HEADER = ",".join(COLUMNS) + "\r\n"


def neutralise(text: str) -> str:
    """Make a text cell inert in spreadsheets (CSV formula injection): a
    leading quote is shown as text by Excel and LibreOffice, not evaluated.
    A text that already starts with ``'`` gets one more, so an import can
    always take exactly one off."""
    return "'" + text if text.startswith(_GUARDED_STARTS) else text


def _value(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column in _TEXT:
        return neutralise(str(value))
    if column == "flagged":
        return "1" if value else "0"
    return value


def csv_row(doc: dict[str, Any]) -> list[Any]:
    return [_value(column, doc.get(column)) for column in COLUMNS]


def _cell(column: str, value: Any) -> str:
    """One cell as csv.writer (QUOTE_MINIMAL, CRLF) writes it."""
    text = str(_value(column, value))
    for char in _QUOTE_IF:
        if char in text:
            return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(docs: Iterable[dict[str, Any]], out: TextIO, bom: bool = False) -> int:
    """Stream ``docs`` as CSV rows into ``out``; returns the number of rows.

    ``docs`` from ``ResponseStore.iter_docs`` are written day file by day file
    from their columns (``DocStream.tables``) without a dict per row."""
    if bom:
        out.write("\ufeff")
    out.write(HEADER)
    tables = getattr(docs, "tables", None)
    batches = tables() if callable(tables) else (docs,)
    memo: dict[str, dict[Any, str]] = {column: {} for column in COLUMNS}
    writer = csv.writer(out, lineterminator="\r\n")
    count = 0
    for batch in batches:
        if isinstance(batch, Columns):
            count += _write_columns(batch, out, memo)
        else:
            rows = [csv_row(doc) for doc in batch]
            writer.writerows(rows)
            count += len(rows)
    return count


def _write_columns(table: Columns, out: TextIO, memo: dict[str, dict[Any, str]]) -> int:
    """Rows of one day file from its columns: the cells of a repeated value
    are made once per export, unique values (ids, timestamps) are taken as
    they are when none of them needs a guard or quotes; one join per file."""
    rows = table.rows
    if not rows:
        return 0
    by_column: dict[str, Any] = {}
    for group in table.groups:
        if len(group.keys) == 1 and group.table is None:
            column = group.keys[0]
            if column not in COLUMNS or group.literal[0]:
                return _write_docs(table, out)
            by_column[column] = _plain_cells(column, group.values)
            continue
        for index, (column, literal) in enumerate(zip(group.keys, group.literal)):
            if column not in COLUMNS:
                return _write_docs(table, out)
            cells = memo[column]
            assert group.table is not None
            code_cells = {}
            for code, values in group.table.items():
                value = values[index]
                key = (literal, value)
                cell = cells.get(key)
                if cell is None:
                    cell = cells[key] = _cell(column, json.loads(value) if literal else value)
                code_cells[code] = cell
            by_column[column] = map(code_cells.__getitem__, group.values)
    columns = [by_column.get(column) or repeat("", rows) for column in COLUMNS]
    out.write("\r\n".join(map(",".join, zip(*columns))))
    out.write("\r\n")
    return rows


def _plain_cells(column: str, values: list[str]) -> Any:
    """The cells of a column of distinct strings: the strings themselves
    unless one of them needs a guard or quotes (checked on one joined text)."""
    joined = "\n" + "\n".join(values)
    clean = not any(char in joined for char in _QUOTE_IF[:3])
    if clean and column in _TEXT:
        clean = not any("\n" + start in joined for start in _GUARDED_STARTS)
    if clean:  # (values from Columns hold no control character)
        return values
    return [_cell(column, value) for value in values]


def _write_docs(table: Columns, out: TextIO) -> int:
    csv.writer(out, lineterminator="\r\n").writerows(csv_row(doc) for doc in table.docs())
    return table.rows


def safe_export_path(export_dir: Path, name: str) -> Path:
    """The file ``name`` inside ``export_dir``; a name that would leave it is refused."""
    name = name.strip()
    if not name:
        raise ValueError("give the file a name")
    if "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise ValueError(f"'{name}' is not a plain file name (no folders, no leading dot)")
    if not name.lower().endswith(".csv"):
        name += ".csv"
    target = (export_dir / name).resolve()
    if target.parent != export_dir.resolve():
        raise ValueError(f"'{name}' would be written outside {export_dir}")
    return target


def export_to_file(docs: Iterable[dict[str, Any]], target: Path, bom: bool = False) -> int:
    """Write a CSV export atomically (a half-written file never has the final name)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with open(partial, "w", encoding="utf-8", newline="") as out:
        count = write_csv(docs, out, bom=bom)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return count
