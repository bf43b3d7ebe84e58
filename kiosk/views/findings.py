"""Findings in sentences: what changed or stands out, said only when it holds.

Stable API::

    findings(dashboard, target, *, label=str, language=str, q=0.05, limit=5,
             weeks=4) -> list[Finding]

Everything scanned in one call is one family of tests, and the false discovery rate
across that family is held at ``q`` with Benjamini–Hochberg (``scoring.fdr``): every
cell, reason and language tested counts in ``m``, reported or not.  Each test is
``scoring.compare`` — the one the comparisons use (Fisher's exact test for small
counts, the pooled two-proportion z-test otherwise) — and a finding also needs
``min_responses`` answers on both sides (:attr:`scoring.Comparison.enough`).

What is scanned, for the dashboard's selected period:

- **the change**: the period against the one it is compared with (as the headline);
- **time slots**: every weekday × 2-hour block over the last ``weeks`` weeks ending on
  the period's last day, against all the other answers of those weeks.  Said as
  "Tuesdays 10–12 h have been below target for 4 weeks (n = 312)" only when the block is
  below the target as shown and below the rest; "have been … for 4 weeks" when it was
  below the target in each of those weeks, "were below target over the last 4 weeks"
  when only the 4 weeks together were;
- **low-score reasons**: each reason's share of the reasons given in the period against
  its share in the period before ("42 % of low scores in the last 7 days say waiting
  time, up from 25 %");
- **languages**: each language's CSAT against the other languages' in the period.

Ranking: by how many points of the period's (or the weeks') CSAT the finding moves —
``impact``: for a slot or a language, ``n_cell × (CSAT_rest − CSAT_cell) / n_all``
(what the whole would gain if it did as well as the rest); for a reason,
``|share now − share before| × low scores / answers × 100``; for the change, ``|change|``.
At most ``limit`` (5) are returned, largest impact first.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from scoring import Comparison, Tally, csat_percent
from scoring.comparison import compare
from scoring.fdr import bh_adjust

from .dashboard import OTHER_KEY, Dashboard
from .glance import period_words, shown

__all__ = ["Finding", "findings", "BLOCK_HOURS", "WEEKDAY_PLURALS"]

BLOCK_HOURS = 2
WEEKDAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
                   "Sundays")
Kind = Literal["change", "slot", "reason", "language"]


@dataclass(frozen=True)
class Finding:
    """One sentence and what stands behind it."""

    kind: Kind
    text: str  # plain text, code-written words plus labels from data (never markup)
    good: bool  # good news (True) or bad news (False)
    impact: float  # points of the figure it moves (see the module doc)
    n: int  # the answers the sentence is about
    p_value: float
    adjusted_p: float  # Benjamini–Hochberg, across everything scanned in the call
    test: str


@dataclass
class _Candidate:
    kind: Kind
    comparison: Comparison
    holds: bool  # the sentence is true as worded (direction, target, weeks)
    text: str
    good: bool
    impact: float
    n: int


def _share_tally(part: int, whole: int) -> Tally:
    """``part`` of ``whole`` as a Tally whose CSAT at threshold 5 is the share."""
    return Tally.from_counts([whole - part, 0, 0, 0, part])


def _hours(start: int) -> str:
    return f"{start}–{start + BLOCK_HOURS} h"


def _change(dashboard: Dashboard) -> list[_Candidate]:
    figures = dashboard.figures
    comparison = figures.comparison
    if comparison.p_value is None or comparison.change is None:
        return []
    change = shown(comparison.change)
    words = period_words(figures.name, figures.period)
    text = (f"CSAT {words} is {'up' if change > 0 else 'down'} {abs(change):.1f} points on "
            f"{figures.comparison_label} (n = {comparison.current_n:,})")
    return [_Candidate("change", comparison, change != 0, text, change > 0,
                       abs(comparison.change), comparison.current_n)]


def _slots(dashboard: Dashboard, target: float, weeks: int) -> list[_Candidate]:
    end = dashboard.figures.period.end
    threshold, floor = dashboard.threshold, dashboard.min_responses
    blocks = 24 // BLOCK_HOURS
    # cells[weekday][block][week back] and the total of the weeks
    cells = [[[Tally() for _ in range(weeks)] for _ in range(blocks)] for _ in range(7)]
    everything = Tally()
    for back in range(7 * weeks):
        day: date = end - timedelta(days=back)
        for hour, tally in dashboard.day_hours(day).items():
            counted = dashboard.counted(tally)
            cells[day.weekday()][hour // BLOCK_HOURS][back // 7].update(counted)
            everything.update(counted)
    overall = csat_percent(everything, threshold)
    candidates = []
    for weekday in range(7):
        for block in range(blocks):
            per_week = cells[weekday][block]
            cell = Tally()
            for tally in per_week:
                cell.update(tally)
            if cell.n < floor or everything.n - cell.n < floor or overall is None:
                continue  # not enough answers: not even tested
            rest = everything.copy()
            rest_counts = [rest.counts[s] - cell.counts[s] for s in range(1, 6)]
            rest = Tally.from_counts(rest_counts)
            comparison = compare(cell, rest, threshold=threshold, min_responses=floor)
            value = csat_percent(cell, threshold)
            rest_value = csat_percent(rest, threshold)
            if value is None or rest_value is None or comparison.p_value is None:
                continue
            below_weeks = 0
            for tally in per_week:  # latest week first
                week_value = csat_percent(tally, threshold)
                if week_value is None or shown(week_value) >= target:
                    break
                below_weeks += 1
            holds = shown(value) < target and value < rest_value
            start = block * BLOCK_HOURS
            when = (f"have been below target for {weeks} weeks" if below_weeks == weeks
                    else f"were below target over the last {weeks} weeks")
            text = (f"{WEEKDAY_PLURALS[weekday]} {_hours(start)} {when} (n = {cell.n:,}): "
                    f"{shown(value):.1f} %, {shown(rest_value - value):.1f} points under the "
                    "rest of the week")
            impact = cell.n * (rest_value - value) / everything.n
            candidates.append(_Candidate("slot", comparison, holds, text, False, abs(impact),
                                         cell.n))
    return candidates


def _reasons(dashboard: Dashboard, label: Callable[[str], str]) -> list[_Candidate]:
    figures = dashboard.figures
    now = dashboard.breakdown_for(figures.period).reasons
    before = dashboard.breakdown_for(figures.period.previous()).reasons
    n_now, n_before = sum(now.values()), sum(before.values())
    floor = dashboard.min_responses
    if n_now < floor or n_before < floor:
        return []
    total = dashboard.counted(figures.total)
    low = total.n - total.at_least(dashboard.threshold)
    words = period_words(figures.name, figures.period)
    candidates = []
    for reason in sorted(set(now) | set(before)):
        if reason == OTHER_KEY:
            continue
        x_now, x_before = now.get(reason, 0), before.get(reason, 0)
        comparison = compare(_share_tally(x_now, n_now), _share_tally(x_before, n_before),
                             threshold=5, min_responses=floor)
        if comparison.p_value is None:
            continue
        share_now, share_before = 100 * x_now / n_now, 100 * x_before / n_before
        up = round(share_now) > round(share_before)
        down = round(share_now) < round(share_before)
        text = (f"{share_now:.0f} % of low scores {words} say {label(reason)}, "
                f"{'up' if up else 'down'} from {share_before:.0f} % (n = {n_now:,})")
        impact = abs(share_now - share_before) * low / max(1, total.n)
        candidates.append(_Candidate("reason", comparison, up or down, text, down, impact,
                                     n_now))
    return candidates


def _languages(dashboard: Dashboard, language: Callable[[str], str]) -> list[_Candidate]:
    figures = dashboard.figures
    languages = figures.breakdown.languages
    if len(languages) < 2:
        return []
    threshold, floor = dashboard.threshold, dashboard.min_responses
    counted = {code: dashboard.counted(tally) for code, tally in languages.items()}
    everything = Tally()
    for tally in counted.values():
        everything.update(tally)
    words = period_words(figures.name, figures.period)
    candidates = []
    for code, tally in sorted(counted.items()):
        if code == OTHER_KEY or tally.n < floor or everything.n - tally.n < floor:
            continue
        rest = Tally.from_counts([everything.counts[s] - tally.counts[s] for s in range(1, 6)])
        comparison = compare(tally, rest, threshold=threshold, min_responses=floor)
        value, rest_value = csat_percent(tally, threshold), csat_percent(rest, threshold)
        if value is None or rest_value is None or comparison.p_value is None:
            continue
        gap = shown(value - rest_value)
        text = (f"Answers in {language(code)} {words}: {shown(value):.1f} %, {abs(gap):.1f} "
                f"points {'above' if gap > 0 else 'below'} the other languages "
                f"(n = {tally.n:,})")
        impact = tally.n * abs(rest_value - value) / everything.n
        candidates.append(_Candidate("language", comparison, gap != 0, text, gap > 0, impact,
                                     tally.n))
    return candidates


def findings(dashboard: Dashboard, target: float, *, label: Callable[[str], str] = str,
             language: Callable[[str], str] = str, q: float = 0.05, limit: int = 5,
             weeks: int = 4) -> list[Finding]:
    """The findings of the dashboard's selected period, FDR-controlled at ``q`` across
    every test scanned here; at most ``limit``, largest impact first.  ``label`` names a
    reason key, ``language`` a language code (their words, plain text)."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    candidates = (_change(dashboard) + _slots(dashboard, target, weeks)
                  + _reasons(dashboard, label) + _languages(dashboard, language))
    tested = [c for c in candidates if c.comparison.enough and c.comparison.p_value is not None]
    # A p-value of exactly 0.0 (z far out) is a p-value, not a missing one.
    p_values = [1.0 if c.comparison.p_value is None else c.comparison.p_value for c in tested]
    adjusted = bh_adjust(p_values)
    found = [Finding(c.kind, c.text, c.good, c.impact, c.n, p, adj, c.comparison.test)
             for c, p, adj in zip(tested, p_values, adjusted) if adj <= q and c.holds]
    found.sort(key=lambda f: (-f.impact, f.text))
    return found[:limit]
