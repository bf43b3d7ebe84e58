"""CSV out: one row per response, safe to open in Excel and LibreOffice."""
from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language", "flagged",
           "reason", "comment", "nps")
TEXT_COLUMNS = ("id", "kiosk", "question", "label", "language", "reason", "comment")

# A cell starting with one of these is run as a formula by spreadsheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Make a text cell inert in spreadsheets (CSV formula injection): a
    leading quote is shown as text by Excel and LibreOffice, not evaluated."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_row(doc: dict[str, Any]) -> list[Any]:
    row = []
    for column in COLUMNS:
        value = doc.get(column)
        if value is None:
            value = ""
        if column in TEXT_COLUMNS:
            value = neutralise(str(value))
        elif column == "flagged":
            value = "1" if value else "0"
        row.append(value)
    return row


def write_csv(docs: Iterable[dict[str, Any]], out: TextIO, bom: bool = False) -> int:
    """Stream ``docs`` as CSV rows into ``out``; returns the number of rows."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for doc in docs:
        writer.writerow(csv_row(doc))
        count += 1
    return count


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
