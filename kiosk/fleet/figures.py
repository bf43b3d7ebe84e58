"""The chain's figures from the tallies: every site, the chain, one site in detail.

Only ``fleet.day_tallies`` is read (one row per kiosk and day, kept by the
database in the same transaction as the responses), so a refresh costs the
same at 10 million responses as at 10 thousand.  The arithmetic is scoring/'s:
the same Tally and Summary as ``kiosk stats`` on the counter.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kiosk.fleet.check import SiteCheck
from scoring import Breakdown, Summary, Tally, csat_percent, summarize

TREND_DAYS = 7  # the trend compares the last 7 days with the 7 before

_SCORES = ", ".join(f"sum(s{i})" for i in range(1, 6))
_FLAGGED = ", ".join(f"sum(f{i})" for i in range(1, 6))


def _window(where: str, name: str) -> str:
    """Sums of s1..s5 over the days of a trend window, as columns name1..name5."""
    return ", ".join(f"sum(s{i}) FILTER (WHERE {where}) AS {name}{i}" for i in range(1, 6))


# All-time totals from fleet.kiosk_totals (one row a site), the trend windows from
# the last 2 x TREND_DAYS days of fleet.day_tallies (an index range), each site's
# "today" in its own zone (fleet.kiosks.timezone, sent by the kiosk) when %(now)s
# is given; else %(today)s for every site.
OVERVIEW_SQL = f"""
WITH sites AS (
    SELECT kiosk_id, timezone,
           CASE WHEN %(now)s::timestamptz IS NULL OR timezone IS NULL THEN %(today)s::date
                ELSE (%(now)s::timestamptz AT TIME ZONE timezone)::date END AS today
    FROM fleet.kiosks
), recent AS (
    SELECT d.kiosk_id, {_window(f"local_day > s.today - {TREND_DAYS}", "r")},
           {_window(f"local_day <= s.today - {TREND_DAYS}", "p")}
    FROM fleet.day_tallies AS d JOIN sites AS s USING (kiosk_id)
    WHERE local_day > s.today - {2 * TREND_DAYS} AND local_day <= s.today
    GROUP BY d.kiosk_id
)
SELECT k.kiosk_id, t.s1, t.s2, t.s3, t.s4, t.s5, t.f1, t.f2, t.f3, t.f4, t.f5,
       r1, r2, r3, r4, r5, p1, p2, p3, p4, p5, k.timezone, k.today
FROM sites AS k
LEFT JOIN fleet.kiosk_totals AS t USING (kiosk_id)
LEFT JOIN recent USING (kiosk_id)
ORDER BY k.kiosk_id
"""

SITE_SQL = f"""
SELECT {_SCORES}, {_FLAGGED} FROM fleet.day_tallies
WHERE kiosk_id = %(kiosk)s
  AND (%(since)s::date IS NULL OR local_day >= %(since)s::date)
  AND (%(until)s::date IS NULL OR local_day <= %(until)s::date)
"""


def _tally(values: Any) -> Tally:
    counts = [int(v or 0) for v in values[:5]]
    flagged = [int(v or 0) for v in values[5:10]] if len(values) >= 10 else []
    return Tally.from_counts(counts, flagged)


@dataclass(frozen=True)
class SiteFigures:
    kiosk_id: str
    summary: Summary  # all answers of the site (like `kiosk stats` with no period)
    recent: float | None  # CSAT of the last TREND_DAYS days
    previous: float | None  # CSAT of the TREND_DAYS days before
    below_chain: bool  # the 95 % interval lies entirely below the chain's CSAT
    timezone: str | None = None  # the zone the kiosk files its days in (None: not told yet)
    today: date | None = None  # the site's own today, the end of its trend windows

    @property
    def trend(self) -> float | None:
        if self.recent is None or self.previous is None:
            return None
        return self.recent - self.previous


@dataclass(frozen=True)
class FleetFigures:
    chain: Summary
    sites: list[SiteFigures]
    target: float


def fleet_figures(conn: Any, today: date, *, threshold: int = 4, min_responses: int = 30,
                  target: float = 80.0, now: datetime | None = None) -> FleetFigures:
    """Every registered site and the whole chain, from ``fleet.day_tallies``.  With
    ``now`` (aware), each site's trend ends on its own today, in its own zone."""
    rows = conn.execute(OVERVIEW_SQL, {"today": today, "now": now}).fetchall()
    chain_tally = Tally()
    parsed = []
    for row in rows:
        total = _tally(row[1:11])
        chain_tally.update(total)
        recent = csat_percent(_tally(row[11:16]), threshold)
        previous = csat_percent(_tally(row[16:21]), threshold)
        parsed.append((row[0], summarize(total, threshold, min_responses), recent, previous,
                       row[21], row[22]))
    chain = summarize(chain_tally, threshold, min_responses)
    sites = [SiteFigures(kiosk_id, summary, recent, previous,
                         below_chain=_below(summary, chain), timezone=zone, today=day)
             for kiosk_id, summary, recent, previous, zone, day in parsed]
    return FleetFigures(chain, sites, target)


def _below(site: Summary, chain: Summary) -> bool:
    return site.ci95 is not None and chain.csat is not None and site.ci95[1] < chain.csat


def site_summary(conn: Any, kiosk_id: str, *, threshold: int = 4, min_responses: int = 30,
                 since: date | None = None, until: date | None = None) -> Summary:
    """One site's figures over [since, until]: what `kiosk stats` prints on its counter."""
    row = conn.execute(SITE_SQL, {"kiosk": kiosk_id, "since": since, "until": until}).fetchone()
    return summarize(_tally(row), threshold, min_responses)


# One site's per-hour tallies and per-day breakdowns: what the counter's admin view
# builds from its summaries (index ranges of the two tables' primary keys).
SITE_HOURS_SQL = """
SELECT local_day, local_hour, s1, s2, s3, s4, s5, f1, f2, f3, f4, f5
FROM fleet.hour_tallies WHERE kiosk_id = %(kiosk)s
"""
SITE_BREAKDOWNS_SQL = f"""
SELECT local_day, dimension, value, {_SCORES}
FROM fleet.hour_breakdowns WHERE kiosk_id = %(kiosk)s
GROUP BY local_day, dimension, value
"""


def site_summaries(conn: Any, kiosk_id: str
                   ) -> tuple[dict[date, dict[int, Tally]], dict[date, Breakdown]]:
    """One site's per-day per-hour tallies and per-day breakdowns, as the store's
    ``summaries()`` gives them on its counter (days and hours in the site's zone)."""
    day_hours: dict[date, dict[int, Tally]] = {}
    for row in conn.execute(SITE_HOURS_SQL, {"kiosk": kiosk_id}):
        tally = _tally(row[2:12])
        if tally.n or tally.n_flagged:
            day_hours.setdefault(row[0], {})[int(row[1])] = tally
    breakdowns: dict[date, Breakdown] = {}
    for day, dimension, value, *scores in conn.execute(SITE_BREAKDOWNS_SQL,
                                                       {"kiosk": kiosk_id}):
        counts = [int(v or 0) for v in scores]
        if not any(counts):
            continue
        breakdown = breakdowns.setdefault(day, Breakdown())
        if dimension == "language":
            # Flagged answers are one count per language here, not split by score:
            # the view shows unflagged figures per language, so they are left out.
            breakdown.languages[value] = Tally.from_counts(counts)
        elif dimension == "reason":
            breakdown.reasons[value] = sum(counts)
        elif dimension == "nps":
            nps = [0] * 11
            nps[int(value)] = sum(counts)
            breakdown.nps.update(Tally.from_counts(nps, scale_min=0))
    return day_hours, breakdowns


class FleetSource:
    """The fleet view's one door to the database (a head-office login, read only).
    Each call opens its own short connection: it runs in a worker thread."""

    def __init__(self, url: str, password: str | None = None, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.url = url
        self.password = password
        self.clock = clock  # aware "now": each site's today in its zone (None: today given)

    def overview(self, today: date, *, threshold: int, min_responses: int,
                 target: float) -> FleetFigures:
        from kiosk.fleet.connection import connect

        with connect(self.url, self.password) as conn:
            return fleet_figures(conn, today, threshold=threshold,
                                 min_responses=min_responses, target=target,
                                 now=self.clock() if self.clock else None)

    def site(self, kiosk_id: str, *, threshold: int, min_responses: int) -> Summary:
        from kiosk.fleet.connection import connect

        with connect(self.url, self.password) as conn:
            return site_summary(conn, kiosk_id, threshold=threshold, min_responses=min_responses)

    def site_summaries(self, kiosk_id: str
                       ) -> tuple[dict[date, dict[int, Tally]], dict[date, Breakdown]]:
        from kiosk.fleet.connection import connect

        with connect(self.url, self.password) as conn:
            return site_summaries(conn, kiosk_id)

    def checks(self, since: date | None = None) -> list[SiteCheck]:
        """Reconciliation per site (kiosk/fleet/check.py), from ``since`` on."""
        from kiosk.fleet.check import site_checks
        from kiosk.fleet.connection import connect

        with connect(self.url, self.password) as conn:
            return site_checks(conn, since=since)
