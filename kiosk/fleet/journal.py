"""What of the local journal the fleet database has not got yet.

The sync reads the day files (``responses/YYYY-MM-DD.jsonl``) the store writes,
never the store itself: it needs no lock the kiosk's writer holds.  Its place in
each file is the durable cursor, ``sync-cursor.json``: per day file, the byte
offset after the last complete journal line pushed, and the file's inode.

The cursor is written (atomically, fsynced) only after the database committed
the lines before that offset.  A crash or power cut between the commit and the
cursor write pushes those lines again on the next pass: the push is an
idempotent upsert by response id, so each response is counted exactly once.
When a day file was rewritten (the store's repair of a damaged file gives it a
new inode) or got shorter, it is pushed again from its start, for the same reason.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.models import doc_problem
from kiosk.store.datadir import RESPONSES_DIR, TABLE
from kiosk.store.storage import parse_journal, write_atomic

CURSOR_FILE = "sync-cursor.json"


@dataclass(frozen=True)
class Position:
    offset: int
    inode: int


class SyncCursor:
    """Per day file, how far the database has it; survives crashes and power cuts."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / CURSOR_FILE
        self.positions: dict[str, Position] = self._load()

    def _load(self) -> dict[str, Position]:
        try:
            raw = json.loads(self.path.read_bytes())
            return {name: Position(int(value[0]), int(value[1]))
                    for name, value in raw["files"].items()}
        except FileNotFoundError:
            return {}
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            # Unreadable: start over.  Safe (the push is idempotent), only slower.
            return {}

    def start_of(self, name: str, inode: int, size: int) -> int:
        """Where to resume reading day file ``name``."""
        position = self.positions.get(name)
        if position is None or position.inode != inode or position.offset > size:
            return 0
        return position.offset

    def advance(self, name: str, offset: int, inode: int) -> None:
        """Record that everything of ``name`` before ``offset`` is in the database."""
        self.positions[name] = Position(offset, inode)
        blob = json.dumps({"version": 1, "files": {
            key: [pos.offset, pos.inode] for key, pos in sorted(self.positions.items())}},
            separators=(",", ":")).encode("ascii")
        write_atomic(self.path, blob)


@dataclass(frozen=True)
class Chunk:
    """Consecutive complete lines of one day file: the unit of one transaction."""

    name: str
    inode: int
    start: int
    end: int
    docs: list[dict[str, Any]]  # valid response documents put by these lines, in order
    bad_lines: int


def pending_chunks(data_dir: Path, cursor: SyncCursor, lines_per_chunk: int) -> Iterator[Chunk]:
    """The complete journal lines past the cursor, oldest day first, in chunks of
    at most ``lines_per_chunk`` lines.  A last line still being written is left
    for the next pass."""
    responses_dir = Path(data_dir) / RESPONSES_DIR
    try:
        names = sorted(entry.name for entry in os.scandir(responses_dir)
                       if entry.name.endswith(".jsonl") and entry.is_file())
    except FileNotFoundError:
        return
    for name in names:
        path = responses_dir / name
        try:
            with open(path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                start = cursor.start_of(name, stat.st_ino, stat.st_size)
                if stat.st_size <= start:
                    continue
                handle.seek(start)
                blob = handle.read(stat.st_size - start)
        except FileNotFoundError:
            continue
        complete = blob.rfind(b"\n") + 1
        position = 0
        while position < complete:
            cut = _after_lines(blob, position, complete, lines_per_chunk)
            entries, bad, _good = parse_journal(blob[position:cut])
            docs = [entry["doc"] for entry in entries
                    if entry["op"] == "put" and entry["table"] == TABLE
                    and doc_problem(entry["doc"]) is None]
            yield Chunk(name, stat.st_ino, start + position, start + cut, docs, len(bad))
            position = cut


def _after_lines(blob: bytes, position: int, complete: int, count: int) -> int:
    """The offset just after ``count`` more lines from ``position`` (at most ``complete``)."""
    for _ in range(count):
        newline = blob.find(b"\n", position, complete)
        if newline < 0:
            return complete
        position = newline + 1
        if position >= complete:
            break
    return position


@dataclass(frozen=True)
class Backlog:
    answers: int  # distinct responses with lines not yet pushed
    oldest: datetime | None  # the earliest of their taps


def backlog(data_dir: Path, kiosk_id: str, cursor: SyncCursor) -> Backlog:
    """How much waits to be pushed (read-only: for the status line while offline)."""
    ids: set[str] = set()
    oldest: datetime | None = None
    for chunk in pending_chunks(data_dir, cursor, 10_000):
        for doc in chunk.docs:
            if doc["kiosk"] != kiosk_id:
                continue
            ids.add(doc["id"])
            stamp = datetime.fromisoformat(doc["timestamp"])
            if oldest is None or stamp < oldest:
                oldest = stamp
    return Backlog(len(ids), oldest)
