"""Reconciliation at head office: per site, does the database hold every answer
its counter reported?  ``kiosk fleet check`` prints it as a table and exits 1 on
a gap; the fleet view shows the same line per site.

The counters report, per local day, their count and a digest of their ids
(kiosk/fleet/reconcile.py); ``fleet.reconciliation`` (migration 0003) compares
them with what ``fleet.responses`` holds.  Imports psycopg only through ``conn``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from kiosk.fleet.rules import printable

SITE_STATE_SQL = """
SELECT kiosk_id, local_day, reported, held, same_ids, quarantined, foreign_answers,
       foreign_ids
FROM fleet.reconciliation(%s, NULL, %s)
"""
REFUSED_SQL = """
SELECT kiosk_id, count(*), max(last_at) FROM fleet.refused_installations GROUP BY kiosk_id
"""


@dataclass
class SiteCheck:
    kiosk_id: str
    through: date | None = None  # the last day reported
    missing: dict[date, int] = field(default_factory=dict)  # answers missing per day
    differ: list[date] = field(default_factory=list)  # same count, other ids; or more held
    unreported: int = 0  # days held here that the counter never reported
    quarantined: int = 0
    foreign: int = 0
    foreign_ids: str | None = None
    refused: int = 0  # other installations refused with this site's login

    @property
    def gap(self) -> bool:
        return bool(self.missing or self.differ or self.quarantined or self.foreign
                    or self.refused)

    def line(self) -> str:
        """What head office needs to know, one line."""
        if self.through is None and not self.unreported:
            parts = ["no report from the counter yet"]
        elif not self.gap:
            parts = [f"all answers up to {_day(self.through)}"]
        else:
            parts = []
        for day, count in sorted(self.missing.items())[:2]:
            parts.append(f"{count} answers of {_day(day)} missing")
        if len(self.missing) > 2:
            parts.append(f"and {len(self.missing) - 2} more days with answers missing")
        if self.differ:
            parts.append(f"{len(self.differ)} days differ from the counter "
                         f"(first {_day(min(self.differ))})")
        if self.quarantined:
            parts.append(f"{self.quarantined} rows quarantined on the counter")
        if self.foreign:
            parts.append(f"{self.foreign} answers under another id ({self.foreign_ids}) "
                         "not adopted")
        if self.refused:
            parts.append(f"{self.refused} other installation(s) refused with this login")
        if self.unreported and self.through is None:
            parts.append(f"{self.unreported} days held, none reported yet")
        return "; ".join(parts)


def _day(day: date | None) -> str:
    return day.strftime("%-d %b %Y") if day else "—"


def site_checks(conn: Any, only: str | None = None, since: date | None = None
                ) -> list[SiteCheck]:
    """Per site, from ``since`` on (None: every day; the fleet view looks at two weeks)."""
    sites: dict[str, SiteCheck] = {}
    for (kiosk_id, day, reported, held, same, quarantined, foreign,
         foreign_ids) in conn.execute(SITE_STATE_SQL, (only, since)):
        site = sites.setdefault(kiosk_id, SiteCheck(kiosk_id))
        if day is None:
            continue
        if reported is None:
            site.unreported += 1
            continue
        site.through = day if site.through is None else max(site.through, day)
        if held < reported:
            site.missing[day] = reported - held
        elif not same:
            site.differ.append(day)
        site.quarantined += quarantined
        site.foreign += foreign
        if foreign_ids and not site.foreign_ids:
            site.foreign_ids = foreign_ids
    for kiosk_id, count, _last in conn.execute(REFUSED_SQL):
        if kiosk_id in sites:
            sites[kiosk_id].refused = int(count)
    return list(sites.values())


def check(conn: Any, out: TextIO) -> int:
    """The table; 1 if any site has a gap, else 0."""
    sites = site_checks(conn)
    width = max([len("Site")] + [len(s.kiosk_id) for s in sites])
    out.write(f"{'Site':<{width}}  {'OK':<3}  State\n")
    for site in sites:
        name = printable(site.kiosk_id, 200)  # an id is not a terminal escape
        state = printable(site.line(), 2000)
        out.write(f"{name:<{width}}  {'gap' if site.gap else 'ok':<3}  {state}\n")
    gaps = sum(site.gap for site in sites)
    out.write(f"{len(sites)} sites, {gaps} with a gap\n")
    return 1 if gaps else 0
