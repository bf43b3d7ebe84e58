"""The data-dir reader: the one place that knows how a data dir is laid out.

    kiosk.lock                    the writer's pid (the lock itself is a flock on the dir)
    responses/2026-11-22.jsonl    one journal (JournalStorage) per local day
    responses/*.damaged-<stamp>   damaged parts moved aside by a repair
    summaries.json                per-day, per-hour tallies (kiosk.store.summaries)

A response is filed under its local day in the configured zone
(``Calendar.day_of``).  Every bulk reader (stats, export, the admin's live view,
summaries, import) reads the day files through here, and here through the
storage module's own parser (``read_documents`` / ``parse_journal``), not
through TinyDB's document layer: building a TinyDB of a 300k-row day costs 5 s
here, against 3.4 s to parse the same file in one pass, and the bulk readers
need no index, only the documents in order (see README, "How it is built").
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.models import Response, doc_problem
from kiosk.store.localtime import Calendar
from kiosk.store.storage import Damage, current_documents, open_regular, parse_journal, read_documents

TABLE = "responses"
RESPONSES_DIR = "responses"
SUMMARY_FILE = "summaries.json"
SUFFIX = ".jsonl"

# The response id of a put line as the store writes it (``Response.to_doc``
# puts "id" first): found without a JSON parse of the line (see stored_ids).
# Only on a put line of the responses table with a journal doc id: any other
# line makes the counts differ and the file is parsed the usual way.
_DOC_ID = re.compile(rb'\{"op":"put","table":"responses","id":"[1-9][0-9]*",'
                     rb'"doc":\{"id":"([^"\\]*(?:\\.[^"\\]*)*)"')
_PUT = b'{"op":"put"'
ID_SLICE = 256 * 1024


def day_file_name(day: date) -> str:
    """The one name of a local day's file (no other spelling of the day counts)."""
    return f"{day.isoformat()}{SUFFIX}"


class DataDir:
    """Read access to the day files of a data dir (no lock, no writing)."""

    def __init__(self, data_dir: str | os.PathLike[str], calendar: Calendar) -> None:
        self.path = Path(data_dir)
        self.responses_dir = self.path / RESPONSES_DIR
        self.calendar = calendar
        self.damage: list[Damage] = []

    # -- layout ---------------------------------------------------------------
    def day_path(self, day: date) -> Path:
        return self.responses_dir / day_file_name(day)

    def day_of(self, response: Response) -> date:
        """The day file a response belongs in: its local day in the configured zone."""
        return self.calendar.day_of(response.timestamp)

    def day_stats(self, since: date | None = None, until: date | None = None
                  ) -> list[tuple[date, Path, os.stat_result]]:
        """(day, path, stat) of every day file in [since, until], in order: one
        directory scan instead of a glob plus a pathlib stat per day."""
        found = []
        try:
            entries = os.scandir(self.responses_dir)
        except FileNotFoundError:
            return []  # no tap yet (``responses`` being a file is an error: it raises)
        low = since.isoformat() if since else ""
        high = until.isoformat() if until else "9999"
        cut = len(SUFFIX)
        with entries:
            for entry in entries:
                name = entry.name
                if not name.endswith(SUFFIX) or not low <= name[:-cut] <= high:
                    continue
                try:
                    day = date.fromisoformat(name[:-cut])
                    stat = entry.stat(follow_symlinks=False)
                except (ValueError, FileNotFoundError):
                    continue  # not ours, or gone meanwhile
                if name != day_file_name(day):
                    continue  # "20261122.jsonl", "2026-W47-7.jsonl": a copy, not a day file
                # A folder, link, pipe or device under a day's name is kept: reading
                # it refuses with the reason (open_regular), never skipping it silently.
                found.append((day, Path(entry.path), stat))
        found.sort(key=lambda item: item[0])
        return found

    def days(self) -> list[date]:
        """Every local day that has a file, in order."""
        return [day for day, _path, _stat in self.day_stats()]

    def day_files(self, since: date | None = None, until: date | None = None) -> list[Path]:
        """The day files of the local days in [since, until], in order."""
        return [path for _day, path, _stat in self.day_stats(since, until)]

    def damaged_parts(self) -> list[Path]:
        """Damaged parts moved aside (``<day>.jsonl.damaged-<stamp>``), for staff to look at."""
        try:
            return sorted(p for p in self.responses_dir.iterdir() if ".damaged-" in p.name)
        except FileNotFoundError:
            return []

    def note_damage(self, path: Path, count: int) -> None:
        """Records of the wrong shape a reader skipped in ``path``."""
        if count:
            self.report(Damage(path, count, None))

    def report(self, damage: Damage) -> None:
        """Keep ``damage`` for staff, once (readers run again on every refresh)."""
        if damage not in self.damage:
            self.damage.append(damage)

    # -- documents --------------------------------------------------------------
    def read_day_file(self, path: Path) -> list[dict[str, Any]]:
        """The stored documents of one day file, unchecked (FileNotFoundError if gone)."""
        found: list[Damage] = []
        docs = read_documents(path, TABLE, found)
        for damage in found:
            self.report(damage)
        return docs

    def usable(self, path: Path, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The documents that are responses; the others are reported as damage."""
        good = [doc for doc in docs if doc_problem(doc) is None]
        self.note_damage(path, len(docs) - len(good))
        return good

    def iter_day_batches(self, since: date | None = None, until: date | None = None
                         ) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
        """(day file, its stored documents) for the local days in [since, until], in
        order, one file in memory at a time.  Documents are not checked: readers
        check them (``doc_problem``) and report what they skip (``note_damage``)."""
        for _day, path, _stat in self.day_stats(since, until):
            try:
                yield path, self.read_day_file(path)
            except FileNotFoundError:
                continue  # gone meanwhile

    def iter_docs(self, since: date | None = None, until: date | None = None
                  ) -> Iterator[dict[str, Any]]:
        """Usable response documents of the local days in [since, until] (streams)."""
        for path, docs in self.iter_day_batches(since, until):
            yield from self.usable(path, docs)

    def iter_day_docs(self, day: date) -> list[dict[str, Any]]:
        """The stored documents of one local day: one file opened, no directory scan."""
        try:
            return self.read_day_file(self.day_path(day))
        except FileNotFoundError:
            return []

    def iter_responses(self, since: date | None = None, until: date | None = None
                       ) -> Iterator[Response]:
        for doc in self.iter_docs(since, until):
            yield Response.from_doc(doc)

    def read_new(self, day: date, offset: int, end: int | None = None
                 ) -> tuple[list[dict[str, Any]], int]:
        """The documents put into ``day``'s file after byte ``offset`` (up to
        ``end``; in file order, a later put of an id being its annotated
        version), and the offset to continue from.  A last line still being
        written waits for the next call; a file that shrank (rewritten by a
        repair) is read from 0."""
        path = self.day_path(day)
        try:
            with open_regular(path) as handle:
                size = os.fstat(handle.fileno()).st_size
                if end is not None:
                    size = min(size, end)
                if size < offset:
                    offset = 0
                if size == offset:
                    return [], offset
                handle.seek(offset)
                blob = handle.read(size - offset)
        except (FileNotFoundError, IsADirectoryError):
            return [], 0
        complete = blob.rfind(b"\n") + 1
        entries, _bad, _end = parse_journal(blob[:complete])
        docs = [entry["doc"] for entry in entries
                if entry["op"] == "put" and entry["table"] == TABLE]
        return docs, offset + complete

    # -- identity ----------------------------------------------------------------
    def stored_ids(self, since: date | None = None, until: date | None = None) -> set[str]:
        """The response id of every record stored in the data dir (or in the
        local days [since, until]), whatever its shape: what an import checks a
        row against so that no id is ever stored twice.

        Fast: ids are picked from the bytes (one regular-expression scan a
        file); a file holding lines of another shape is parsed the usual way."""
        ids: set[str] = set()
        for _path, file_ids in self.iter_day_ids(since, until):
            ids |= file_ids
        return ids

    def iter_day_ids(self, since: date | None = None, until: date | None = None
                     ) -> Iterator[tuple[Path, set[str]]]:
        """(day file, the response ids stored in it) for the local days in
        [since, until], in order (``stored_ids`` file by file)."""
        for _day, path, _stat in self.day_stats(since, until):
            try:
                yield path, self.ids_in_file(path)
            except FileNotFoundError:
                continue

    def ids_in_file(self, path: Path, end: int | None = None) -> set[str]:
        """The response ids of one day file, or of its first ``end`` bytes
        (FileNotFoundError if gone).  About 1 s for 300k rows here, against
        3-5 s for a whole parse; done in slices of ``ID_SLICE`` bytes, so that a
        thread doing it never holds the interpreter long (``re`` keeps the GIL
        for a whole call): a tap or a redraw waits a millisecond at most."""
        ids: set[str] = set()
        with open_regular(path) as handle:
            left = end
            carry = b""
            while left is None or left > 0:
                block = handle.read(ID_SLICE if left is None else min(ID_SLICE, left))
                if not block:
                    break
                if left is not None:
                    left -= len(block)
                block = carry + block
                cut = block.rfind(b"\n") + 1
                part, carry = block[:cut], block[cut:]
                found = _DOC_ID.findall(part)
                if not (len(found) == part.count(_PUT) == part.count(b"\n")
                        and b'"op":"del"' not in part and b'"op":"drop"' not in part):
                    handle.seek(0)
                    whole = handle.read() if end is None else handle.read(end)
                    return self._ids_parsed(whole[:whole.rfind(b"\n") + 1])
                ids.update(json.loads(b'"' + raw + b'"') if b"\\" in raw
                           else raw.decode("utf-8") for raw in found)
        return ids

    @staticmethod
    def _ids_parsed(blob: bytes) -> set[str]:
        """``ids_in_file`` for a file with lines of another shape: a whole parse."""
        ids = set()
        entries, _bad, _end = parse_journal(blob)
        for doc in current_documents(entries, TABLE):
            doc_id = doc.get("id") if isinstance(doc, dict) else None
            if isinstance(doc_id, str):
                ids.add(doc_id)
        return ids
