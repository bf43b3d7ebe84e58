"""Where the admin view's figures come from: the counter's own data dir, or the
fleet database for one site.  The admin view draws whichever it is given.

    summaries()  per-day per-hour tallies and per-day breakdowns (a worker thread)
    poll()       responses seen since the last call, and those annotated since (live)
    check()      the slow checks behind problems() (a worker thread, once at load)
    problems()   one line per thing staff must know about the data
    store        what the export dialog writes from; None: no export from here
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kiosk.models import Response
from kiosk.store.live import JournalTail
from kiosk.store.response_store import ResponseStore
from scoring import Breakdown, Tally

if TYPE_CHECKING:
    from kiosk.fleet.figures import FleetSource

DayHours = dict[date, dict[int, Tally]]


@dataclass
class Live:
    new: list[Response] = field(default_factory=list)
    annotated: list[Response] = field(default_factory=list)  # a reason or NPS added later


class AdminSource(Protocol):
    store: ResponseStore | None
    tz: tzinfo | None  # the zone live responses are bucketed in (None: the system's)

    def today(self) -> date: ...

    def hour(self) -> int: ...

    def summaries(self) -> tuple[DayHours, dict[date, Breakdown]]: ...

    def poll(self) -> Live: ...

    def check(self) -> None: ...

    def problems(self) -> list[str]: ...


class StoreSource:
    """The counter's data dir: every day but today from the summaries, today from the
    journal itself, followed live (taps of another process show within a second)."""

    def __init__(self, store: ResponseStore, *, today: Callable[[], date] | None = None,
                 hour: Callable[[], int] | None = None) -> None:
        self.store: ResponseStore | None = store
        self._store = store
        self.tz: tzinfo | None = store.calendar.tz
        self.today = today or store.today  # the kiosk's calendar, not this process's zone
        self.hour = hour or (lambda: store.calendar.now().hour)
        self.tail = JournalTail(store, self.today)
        self._damaged_parts: list[Path] = []
        self._future_dated = 0  # answers dated after now (a clock set wrong), counted at load

    def summaries(self) -> tuple[DayHours, dict[date, Breakdown]]:
        return self._store.summaries(skip=self.today())

    def poll(self) -> Live:
        swaps = self.tail.swaps
        live = Live(self.tail.poll(), self.tail.annotated)
        if self.tail.swaps != swaps:  # a day file was repaired: parts may be moved aside
            self._damaged_parts = list(self._store.damaged_parts())
        return live

    def check(self) -> None:
        self._damaged_parts = list(self._store.damaged_parts())
        self._future_dated = self._store.future_dated()  # reads the summaries: off the loop

    def problems(self) -> list[str]:
        store = self._store
        problems = []
        if store.last_error:
            problems.append(f"✖ {store.last_error} — {store.pending} tap(s) kept in memory, "
                            "retrying")
        elif store.pending:
            problems.append(f"⚠ {store.pending:,} tap(s) not yet on disk")
        if self._future_dated:
            problems.append(f"⚠ {self._future_dated:,} answer(s) dated in the future: "
                            "check the clock")
        problems += [f"⚠ {damage.describe()}" for damage in store.damage]
        if self._damaged_parts:
            problems.append(f"⚠ {len(self._damaged_parts)} damaged part(s) of the data were moved "
                            f"aside in {store.responses_dir} (*.damaged-*): every good "
                            "record was kept; keep these files for support")
        return problems


class FleetSiteSource:
    """One site from the fleet database: its per-hour tallies and breakdowns, kept by
    the database (already in the site's own days and hours).  Read once when the view
    opens; the fleet copy has no journal to follow, so nothing arrives live."""

    def __init__(self, fleet: FleetSource, kiosk_id: str, *, today: Callable[[], date],
                 hour: Callable[[], int] | None = None) -> None:
        self.store: ResponseStore | None = None  # the rows stay in the database
        self.tz: tzinfo | None = None
        self.fleet = fleet
        self.kiosk_id = kiosk_id
        self.today = today
        self.hour = hour or (lambda: datetime.now().hour)

    def summaries(self) -> tuple[DayHours, dict[date, Breakdown]]:
        return self.fleet.site_summaries(self.kiosk_id)

    def poll(self) -> Live:
        return Live()

    def check(self) -> None:
        """Nothing to check: the database keeps the tallies with the rows."""

    def problems(self) -> list[str]:
        return []
