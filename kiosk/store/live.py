"""Follow the day files for responses appended since the last look.

The admin view polls this twice a second, so taps written by another process
(the counter kiosk while `kiosk admin` runs in the back office) show within a
second, reading only the new bytes (``DataDir.read_new``), never the history.

Two files are followed: today's, and yesterday's, because a follow-up answered
just after midnight is written onto its tap's record in yesterday's file.

A day file can be swapped under the tail: another process repairs it (moves damaged
lines aside and rewrites the file atomically: a new inode, its bytes shifted).  A byte
offset means nothing in the new file, so a change of inode reads today's file again
from the start (ids already counted are skipped) and ``swaps`` counts it, so that the
admin view looks again for damaged parts moved aside.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from kiosk.models import Response, doc_problem
from kiosk.store.response_store import ResponseStore

_ONE_DAY = timedelta(days=1)


@dataclass
class _Followed:
    offset: int
    # Bytes before ``counted_until`` were counted from the summaries, not by this
    # tail: their ids are read only if an annotation of one of them shows up.
    counted_until: int = 0
    counted_ids: set[str] | None = None
    ids: set[str] = field(default_factory=set)
    annotated: set[str] = field(default_factory=set)
    inode: tuple[int, int] | None = None  # (device, inode) of the file the offset is in


class JournalTail:
    def __init__(self, store: ResponseStore, today: Callable[[], date] | None = None) -> None:
        self.store = store
        self.today = today or store.today
        self._files: dict[date, _Followed] = {}
        self.annotated: list[Response] = []  # filled by poll(): reasons/NPS added later
        self.swaps = 0  # day files found replaced by another file (a repair) so far

    def poll(self) -> list[Response]:
        """Responses that became visible since the last call (today's, and
        yesterday's last ones, in file order); ``annotated`` then holds the
        responses a reason or NPS answer was added to."""
        today = self.today()
        self.annotated = []
        new: list[Response] = []
        if not self._files:
            # Days before today come from the summaries: follow yesterday from its end.
            end = self._size(today - _ONE_DAY)
            self._files[today - _ONE_DAY] = _Followed(offset=end, counted_until=end)
        if today not in self._files:
            self._files[today] = _Followed(offset=0)
        for day in sorted(self._files):
            new += self._read_new(day, self._files[day])
        for day in [d for d in self._files if d < today - _ONE_DAY]:
            del self._files[day]  # the ids of one day before today at most are kept
        return new

    def _size(self, day: date) -> int:
        try:
            return self.store.day_path(day).stat().st_size
        except OSError:
            return 0

    def _inode(self, day: date) -> tuple[int, int] | None:
        try:
            info = os.stat(self.store.day_path(day), follow_symlinks=False)
        except OSError:
            return None
        return (info.st_dev, info.st_ino)

    def _swapped(self, day: date, followed: _Followed, inode: tuple[int, int] | None) -> None:
        """The file under ``day``'s name is another one now: start over in it."""
        self.swaps += 1
        followed.counted_ids = None
        if followed.counted_until:
            # Counted from the summaries up to counted_until of the old file: the new
            # one is followed from its end, as the old one was at the start.
            followed.offset = followed.counted_until = self._size(day)
        else:
            followed.offset = 0  # read again: the ids already counted are skipped
        followed.inode = inode

    def _read_new(self, day: date, followed: _Followed) -> list[Response]:
        before = self._inode(day)
        if followed.inode is not None and before is not None and before != followed.inode:
            self._swapped(day, followed, before)
        elif followed.inode is None:
            followed.inode = before
        docs, offset = self.store.reader.read_new(day, followed.offset)
        after = self._inode(day)
        if after != before and after is not None:
            self._swapped(day, followed, after)  # swapped while being read: once more
            docs, offset = self.store.reader.read_new(day, followed.offset)
        followed.offset = offset
        found = []
        for doc in docs:
            if doc_problem(doc) is not None:
                continue  # not a response we can count (the store reports damage)
            response = Response.from_doc(doc)
            has_extra = response.reason is not None or response.nps is not None
            if response.id not in followed.ids and not self._counted(day, followed, response.id):
                followed.ids.add(response.id)
                found.append(response)
                if has_extra:
                    followed.annotated.add(response.id)
            elif has_extra and response.id not in followed.annotated:
                # the follow-up / NPS answer, written onto the record after the tap
                followed.ids.add(response.id)
                followed.annotated.add(response.id)
                self.annotated.append(response)
        return found

    def _counted(self, day: date, followed: _Followed, response_id: str) -> bool:
        """Whether a record was among the bytes the summaries counted."""
        if not followed.counted_until:
            return False
        if followed.counted_ids is None:
            try:
                followed.counted_ids = self.store.reader.ids_in_file(
                    self.store.day_path(day), followed.counted_until)
            except OSError:
                followed.counted_ids = set()
        return response_id in followed.counted_ids
