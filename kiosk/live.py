"""Follow the day files for responses appended since the last look.

The admin view polls this twice a second, so taps written by another process
(the counter kiosk while `kiosk admin` runs in the back office) show within a
second, reading only the new bytes — never the history again."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from kiosk.models import Response, doc_problem
from kiosk.storage import parse_journal
from kiosk.store import TABLE, ResponseStore


class JournalTail:
    def __init__(self, store: ResponseStore, today: Callable[[], date] = date.today) -> None:
        self.store = store
        self.today = today
        self._day: date | None = None
        self._offset = 0
        self._ids: set[str] = set()
        self._annotated: set[str] = set()
        self.annotated: list[Response] = []  # filled by poll(): reasons/NPS added later

    def poll(self) -> list[Response]:
        """Responses that became visible since the last call (today's, in file order)."""
        today = self.today()
        new: list[Response] = []
        self.annotated = []
        if self._day is not None and self._day != today:
            new += self._read_new(self.store.day_path(self._day))  # the last taps before midnight
            self._day = None
        if self._day is None:
            self._day, self._offset, self._ids, self._annotated = today, 0, set(), set()
        new += self._read_new(self.store.day_path(today))
        return new

    def _read_new(self, path: Path) -> list[Response]:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self._offset:
            self._offset = 0  # rewritten after a repair: re-read, known ids are skipped
        if size == self._offset:
            return []
        with open(path, "rb") as handle:
            handle.seek(self._offset)
            blob = handle.read(size - self._offset)
        complete = blob.rfind(b"\n") + 1  # a line still being written waits for next time
        self._offset += complete
        entries, _bad, _end = parse_journal(blob[:complete])
        found = []
        for entry in entries:
            if entry["op"] != "put" or entry["table"] != TABLE:
                continue
            if doc_problem(entry["doc"]) is not None:
                continue  # not a response we can count (the store reports damage)
            response = Response.from_doc(entry["doc"])
            has_extra = response.reason is not None or response.nps is not None
            if response.id not in self._ids:
                self._ids.add(response.id)
                found.append(response)
                if has_extra:
                    self._annotated.add(response.id)
            elif has_extra and response.id not in self._annotated:
                # the follow-up / NPS answer, written onto the record after the tap
                self._annotated.add(response.id)
                self.annotated.append(response)
        return found
