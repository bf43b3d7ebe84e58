"""The fleet's league: every site sorted by need, with the chain's glance card.

Stable API::

    league(sites, today, *, target, threshold=4, min_responses=30, days=7,
           reconciliation=None) -> League
    SiteInput(kiosk_id, days, name=None)      one site's answers per local day

Each site gets a :class:`~kiosk.views.glance.Glance` of the last ``days`` days (ending on
``today``) against the ``days`` days before, with its 12-week series; the chain's card
is the same over the sum of every site's answers.

Order ("sorted by need"): first the sites below target (as shown, one decimal) whose
change is a real drop (``scoring.compare``'s verdict "real change", change < 0); then
the other sites below target; then the rest; sites without answers last.  Within a
group: lowest CSAT first, then most answers, then the id.  ``below_chain`` marks a
site whose 95 % interval lies entirely below the chain's CSAT.

``reconciliation`` is optional: kiosk id -> the site's reconciliation state in words
(whether head office holds all its answers), as ``kiosk.fleet`` reports it; a site
without one shows "—".  ``columns`` name the period on every figure's column.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from scoring import Period, Tally, compare, summarize

from .glance import Glance, make_glance, weekly_series

__all__ = ["SiteInput", "LeagueRow", "League", "league", "NEED_WORDS"]

NEED_WORDS = ("below target, real drop", "below target", "at or above target",
              "no answers")


@dataclass(frozen=True)
class SiteInput:
    """One site: its answers per local day (at least the 12 weeks shown and the
    comparison period; more is ignored), and a display name (the id when None)."""

    kiosk_id: str
    days: Mapping[date, Tally]
    name: str | None = None


@dataclass(frozen=True)
class LeagueRow:
    kiosk_id: str
    name: str
    glance: Glance
    need: int  # index into NEED_WORDS
    below_chain: bool
    reconciliation: str | None

    @property
    def need_words(self) -> str:
        return NEED_WORDS[self.need]


@dataclass(frozen=True)
class League:
    period: str  # "last 7 days"
    start: date
    end: date
    against: str  # "the 7 days before"
    chain: Glance
    rows: tuple[LeagueRow, ...]
    columns: tuple[str, ...] = field(default=())

    @property
    def needing_attention(self) -> int:
        return sum(row.need < 2 for row in self.rows)


def _sum(days: Mapping[date, Tally], period: Period) -> Tally:
    total = Tally()
    for day in period.dates():
        tally = days.get(day)
        if tally is not None:
            total.update(tally)
    return total


def _need(card: Glance) -> int:
    if card.shown is None:
        return 3
    if card.shown >= card.target:
        return 2
    drop = card.verdict == "real change" and (card.change_shown or 0.0) < 0
    return 0 if drop else 1


def _card(days: Mapping[date, Tally], period: Period, words: str, against: str,
          target: float, threshold: int, min_responses: int) -> Glance:
    current, previous = _sum(days, period), _sum(days, period.previous())
    summary = summarize(current, threshold=threshold, min_responses=min_responses)
    comparison = compare(current, previous, threshold=threshold, min_responses=min_responses)

    def day_total(day: date) -> Tally:
        return days.get(day) or Tally()

    series = weekly_series(day_total, period.end, threshold=threshold)
    return make_glance(f"{period.days}d", words, period, summary, comparison, against, series,
                       target=target, min_responses=min_responses)


def league(sites: Sequence[SiteInput], today: date, *, target: float, threshold: int = 4,
           min_responses: int = 30, days: int = 7,
           reconciliation: Mapping[str, str] | None = None) -> League:
    """The league of ``sites`` over the ``days`` days ending ``today`` (see the module doc)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days!r}")
    period = Period(today - timedelta(days=days - 1), today,
                    "today" if days == 1 else f"last {days} days")
    words = period.label
    against = "the day before" if days == 1 else f"the {days} days before"
    chain_days: dict[date, Tally] = {}
    for site in sites:
        for day, tally in site.days.items():
            chain_days.setdefault(day, Tally()).update(tally)
    chain = _card(chain_days, period, words, against, target, threshold, min_responses)
    rows = []
    for site in sites:
        card = _card(site.days, period, words, against, target, threshold, min_responses)
        below_chain = (card.interval is not None and chain.csat is not None
                       and card.interval[1] < chain.csat)
        rows.append(LeagueRow(site.kiosk_id, site.name or site.kiosk_id, card, _need(card),
                              below_chain, (reconciliation or {}).get(site.kiosk_id)))
    rows.sort(key=lambda r: (r.need, r.glance.csat if r.glance.csat is not None else 101.0,
                             -r.glance.n, r.kiosk_id))
    columns = ("Site", f"CSAT, {words}", f"answers, {words}", f"change on {against}",
               "12 weeks (weekly CSAT)", f"vs chain, {words}", "head office holds")
    return League(words, period.start, period.end, against, chain, tuple(rows), columns)
