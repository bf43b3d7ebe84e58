"""What the fleet database accepts in a row: the one place the rules are written.

The sync checks every row with ``row_problem`` before sending it; a row that
fails is quarantined with the reason (never sent, never blocking the rows after
it).  The server enforces the same limits: ``migrations/0003_sites.sql`` holds
them as the CHECK constraint ``responses_rules`` (tests/fleet/test_fleet_rules.py
reads the numbers back from that file and sends a row breaking each rule to a
real server).  PostgreSQL also refuses by itself what is listed under "server":
a NUL character in any text, and a UTC offset beyond ±15:59.
Imports nothing heavy (no psycopg).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

# Longest text per column, in characters.  Short enough that a value of 4-byte
# characters stays inside a btree index entry (2,704 bytes): language and reason
# are part of fleet.hour_breakdowns' primary key.
MAX_CHARS: dict[str, int] = {
    "id": 200,
    "kiosk_id": 200,
    "question": 200,
    "label": 200,
    "language": 64,
    "reason": 200,
    "comment": 10_000,
}
# Real zones run from -12:00 to +14:00; PostgreSQL refuses beyond ±15:59.
MAX_OFFSET = timedelta(hours=14)
SCORES = (1, 5)
NPS = (0, 10)


def row_problem(row: dict[str, Any]) -> str | None:
    """Why the fleet database would refuse ``row`` (a payload row, see sync.payload),
    as a short phrase naming the field; None when it is accepted."""
    for name, limit in MAX_CHARS.items():
        value = row.get(name)
        if value is None:
            if name in ("reason", "comment"):
                continue
            return f"{name} is missing"
        if not isinstance(value, str):
            return f"{name} is not text"
        if name in ("id", "kiosk_id", "question") and not value:
            return f"{name} is empty"
        if len(value) > limit:
            return f"{name} has {len(value):,} characters (at most {limit:,})"
        if "\x00" in value:
            return f"{name} holds a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{name} holds a lone surrogate (not UTF-8)"
    offset = row.get("offset")
    if offset is None:
        return "timestamp has no UTC offset"
    if abs(offset) > MAX_OFFSET:
        hours, rest = divmod(abs(int(offset.total_seconds())), 3600)
        sign = "-" if offset < timedelta(0) else "+"
        return f"timestamp offset {sign}{hours:02d}:{rest // 60:02d} is beyond ±14:00"
    score = row.get("score")
    if not isinstance(score, int) or not SCORES[0] <= score <= SCORES[1]:
        return f"score {score!r} is not {SCORES[0]}-{SCORES[1]}"
    nps = row.get("nps")
    if nps is not None and (not isinstance(nps, int) or not NPS[0] <= nps <= NPS[1]):
        return f"nps {nps!r} is not {NPS[0]}-{NPS[1]}"
    return None


def printable(value: object, limit: int = 80) -> str:
    """A value for a message or the quarantine table: NUL and other controls
    escaped, cut to ``limit`` characters (it may be the very thing that was refused)."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
