"""CSV out: one row per response, safe to open in Excel and LibreOffice."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language", "flagged")
TEXT_COLUMNS = ("id", "kiosk", "question", "label", "language")

# A cell starting with one of these is run as a formula by spreadsheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Make a text cell inert in spreadsheets (CSV formula injection): a
    leading quote is shown as text by Excel and LibreOffice, not evaluated."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_row(doc: dict[str, Any]) -> list[Any]:
    row = []
    for column in COLUMNS:
        value = doc.get(column, "")
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
