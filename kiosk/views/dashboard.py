"""The admin view's figures: per-period aggregates from scoring/, updated in O(1) per tap.

Plain data, no Textual: the admin screen only draws what this computes.  Loading
builds per-day totals and the all-time hour profile once; choosing a period then
costs O(days in the period), and a new response is added to every running
aggregate without re-reading anything.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from kiosk.models import Response
from scoring import (
    Breakdown,
    Comparison,
    Period,
    Summary,
    Tally,
    compare,
    hours_until,
    local_day_and_hour,
    period_between,
    period_named,
    summarize,
)

PERIODS = {"today": "Today", "7d": "7 days", "30d": "30 days", "all": "All time"}

# Bounded work whatever the data holds (a hostile import can bring 100k distinct
# languages or reasons): each day keeps its DAY_CAP largest languages and reasons,
# the rest is merged under OTHER_KEY, which no real code or reason can be.
OTHER_KEY = "\x00other"
DAY_CAP = 20


def cap_breakdown(breakdown: Breakdown, cap: int = DAY_CAP) -> Breakdown:
    """The same answers with at most ``cap`` languages and reasons (+ OTHER_KEY)."""
    if len(breakdown.languages) <= cap and len(breakdown.reasons) <= cap:
        return breakdown
    capped = Breakdown()
    capped.nps = breakdown.nps
    languages = {k: v for k, v in breakdown.languages.items() if k != OTHER_KEY}
    kept = dict(heapq.nlargest(cap, languages.items(), key=lambda item: item[1].n))
    rest = breakdown.languages.get(OTHER_KEY, Tally()).copy()
    for code, tally in languages.items():
        if code not in kept:
            rest.update(tally)
    capped.languages = kept
    if rest.n or rest.n_flagged:
        capped.languages[OTHER_KEY] = rest
    reasons = {k: v for k, v in breakdown.reasons.items() if k != OTHER_KEY}
    capped.reasons = dict(heapq.nlargest(cap, reasons.items(), key=lambda item: item[1]))
    other = breakdown.reasons.get(OTHER_KEY, 0) + sum(reasons.values()) - sum(
        capped.reasons.values())
    if other:
        capped.reasons[OTHER_KEY] = other
    return capped


def _key(known: dict[str, object], key: str, cap: int) -> str:
    return key if key in known or len(known) < cap else OTHER_KEY


@dataclass
class Figures:
    """What the admin view shows for one period."""

    period: Period
    name: str
    total: Tally
    previous_total: Tally
    days: dict[date, Tally]  # every day of the period, in order
    hours: list[Tally]  # 24, hour of day
    weekdays: list[Tally]  # 7, Monday first
    summary: Summary
    comparison: Comparison
    breakdown: Breakdown  # languages, low-score reasons, NPS answers of the period
    grid: list[list[Tally]] = field(default_factory=list)  # 7 weekdays (Monday first) x 24 hours
    # Further honest comparisons: "today so far" against the same hours of other days.
    extra_comparisons: list[tuple[str, Comparison]] = field(default_factory=list)

    @property
    def comparison_label(self) -> str:
        """What ``comparison`` compares with, in words."""
        if self.name == "today":
            return f"the same hours yesterday (00:00–{self.last_hour:02d}:59)"
        if self.name == "all":
            return "the period before"
        return f"the {self.period.days} days before"

    last_hour: int = 23  # "today": the hours compared are 0..last_hour


class Dashboard:
    def __init__(self, day_hours: dict[date, dict[int, Tally]], *, threshold: int = 4,
                 min_responses: int = 30, include_flagged: bool = False,
                 today: Callable[[], date] = date.today,
                 day_breakdowns: dict[date, Breakdown] | None = None,
                 tz: tzinfo | None = None,
                 hour: Callable[[], int] | None = None) -> None:
        self.tz = tz  # the kiosk's zone (store.calendar.tz); None: the system's
        self.threshold = threshold
        # The local hour now, in the kiosk's zone: "today" is compared up to it.
        self.hour = hour or (lambda: datetime.now(tz).hour)
        self.min_responses = min_responses
        self.include_flagged = include_flagged
        self.today = today
        self._day_breakdowns: dict[date, Breakdown] = {
            day: cap_breakdown(breakdown) for day, breakdown in (day_breakdowns or {}).items()}
        # Owned from here on: new responses are added into these tallies.
        self._day_hours_cache: dict[date, dict[int, Tally]] = dict(day_hours)
        self._day_totals: dict[date, Tally] = {}
        self._all_hours = [Tally() for _ in range(24)]
        self._all_grid = [[Tally() for _ in range(24)] for _ in range(7)]
        for day, hours in day_hours.items():
            day_total = Tally()
            weekday = self._all_grid[day.weekday()]
            for hour_of_day, tally in hours.items():
                day_total.update(tally)
                self._all_hours[hour_of_day].update(tally)
                weekday[hour_of_day].update(tally)
            self._day_totals[day] = day_total
        self.figures = self.select("today")

    @property
    def first_day(self) -> date | None:
        return min(self._day_totals) if self._day_totals else None

    def period_for(self, name: str) -> Period:
        today = self.today()
        if name == "all":
            # Answers dated in the future (a clock set wrong) count, as in `kiosk stats`.
            last = max(self._day_totals, default=today)
            return period_between(None, None, self.first_day, max(today, last))
        return period_named(name, today)

    def select(self, name: str) -> Figures:
        """Compute every figure of a named period (today, 7d, 30d, all)."""
        period = self.period_for(name)
        total = Tally()
        days: dict[date, Tally] = {}
        weekdays = [Tally() for _ in range(7)]
        for day in period.dates():
            day_total = self._day_totals.get(day)
            days[day] = day_total.copy() if day_total else Tally()
            if day_total:
                total.update(day_total)
                weekdays[day.weekday()].update(day_total)
        previous = period.previous()
        previous_total = Tally()
        for day in previous.dates():
            if day in self._day_totals:
                previous_total.update(self._day_totals[day])
        hours, grid = self._hours_for(period, name)
        breakdown = Breakdown()
        for day in period.dates():
            if day in self._day_breakdowns:
                breakdown.update(self._day_breakdowns[day])
        self.figures = self._finish(Figures(period, name, total, previous_total, days, hours,
                                            weekdays, None, None, breakdown,  # type: ignore[arg-type]
                                            grid))
        return self.figures

    def _hours_for(self, period: Period, name: str) -> tuple[list[Tally], list[list[Tally]]]:
        if name == "all":
            return ([t.copy() for t in self._all_hours],
                    [[t.copy() for t in row] for row in self._all_grid])
        return self._hour_profile(period)

    def _hour_profile(self, period: Period) -> tuple[list[Tally], list[list[Tally]]]:
        # O(24 x days in the period): the all-time profile is kept ready instead.
        hours = [Tally() for _ in range(24)]
        grid = [[Tally() for _ in range(24)] for _ in range(7)]
        for day in period.dates():
            row = grid[day.weekday()]
            for hour, tally in self._day_hours_cache.get(day, {}).items():
                hours[hour].update(tally)
                row[hour].update(tally)
        return hours, grid

    def _finish(self, figures: Figures) -> Figures:
        figures.summary = summarize(figures.total, threshold=self.threshold,
                                    min_responses=self.min_responses,
                                    include_flagged=self.include_flagged)
        current = figures.total.combined() if self.include_flagged else figures.total
        previous = (figures.previous_total.combined() if self.include_flagged
                    else figures.previous_total)
        figures.extra_comparisons = []
        if figures.name == "today":
            # A partial day against whole days would mislead: compare the same hours.
            last_hour = figures.last_hour = self.hour()
            for label, days_back in (("yesterday", 1), ("the same weekday last week", 7)):
                other = self._same_hours(figures.period.end - timedelta(days=days_back), last_hour)
                figures.extra_comparisons.append((
                    f"the same hours {label} (00:00–{last_hour:02d}:59)",
                    compare(current, other, threshold=self.threshold,
                            min_responses=self.min_responses)))
            figures.comparison = figures.extra_comparisons.pop(0)[1]
        else:
            figures.comparison = compare(current, previous, threshold=self.threshold,
                                         min_responses=self.min_responses)
        return figures

    def _same_hours(self, day: date, last_hour: int) -> Tally:
        hours = self._day_hours_cache.get(day, {})
        if not self.include_flagged:
            return hours_until(hours, last_hour)
        return hours_until({h: t.combined() for h, t in hours.items()}, last_hour)

    def add(self, response: Response) -> Figures:
        """Count one new response everywhere, in O(1); returns the current figures."""
        day, hour = local_day_and_hour(response.timestamp, self.tz)
        score, flagged = response.score, response.flagged
        self._day_totals.setdefault(day, Tally()).add(score, flagged)
        self._all_hours[hour].add(score, flagged)
        self._all_grid[day.weekday()][hour].add(score, flagged)
        self._day_hours_cache.setdefault(day, {}).setdefault(hour, Tally()).add(score, flagged)
        day_breakdown = self._day_breakdowns.setdefault(day, Breakdown())
        language = _key(day_breakdown.languages, response.language, DAY_CAP)  # type: ignore[arg-type]
        reason = (_key(day_breakdown.reasons, response.reason, DAY_CAP)  # type: ignore[arg-type]
                  if response.reason else None)
        day_breakdown.add(language, score, flagged, reason, response.nps)
        figures = self.figures
        if figures.period.end != self.today() and figures.name != "all":
            return self.select(figures.name)  # the day rolled over: new window
        if figures.period.contains(day):
            figures.breakdown.add(language, score, flagged, reason, response.nps)
            figures.total.add(score, flagged)
            figures.days.setdefault(day, Tally()).add(score, flagged)
            figures.hours[hour].add(score, flagged)
            if figures.grid:
                figures.grid[day.weekday()][hour].add(score, flagged)
            figures.weekdays[day.weekday()].add(score, flagged)
        elif figures.period.previous().contains(day):
            figures.previous_total.add(score, flagged)
        elif figures.name == "all" and day > figures.period.end:
            return self.select("all")
        return self._finish(figures)

    def annotate(self, response: Response) -> Figures:
        """A reason or NPS answer added to a response already counted (O(1))."""
        if response.flagged:
            return self.figures
        day = local_day_and_hour(response.timestamp, self.tz)[0]
        extra = Breakdown()
        day_breakdown = self._day_breakdowns.setdefault(day, Breakdown())
        if response.reason:
            extra.reasons[_key(day_breakdown.reasons, response.reason, DAY_CAP)] = 1  # type: ignore[arg-type]
        if response.nps is not None:
            extra.nps.add(response.nps)
        day_breakdown.update(extra)
        if self.figures.period.contains(day):
            self.figures.breakdown.update(extra)
        return self.figures

    # -- read-only views for the glance card, the findings and reports ------------
    def counted(self, tally: Tally) -> Tally:
        """``tally`` as the figures count it (the flagged answers in when included)."""
        return tally.combined() if self.include_flagged else tally

    def day_total(self, day: date) -> Tally:
        """All answers of one local day (flagged kept apart), a copy; empty if none."""
        found = self._day_totals.get(day)
        return found.copy() if found is not None else Tally()

    def day_hours(self, day: date) -> dict[int, Tally]:
        """One local day's answers by local hour (copies; hours without answers absent)."""
        return {hour: tally.copy() for hour, tally in self._day_hours_cache.get(day, {}).items()}

    def breakdown_for(self, period: Period) -> Breakdown:
        """Languages, low-score reasons and NPS answers of the days of ``period`` merged."""
        merged = Breakdown()
        for day in period.dates():
            if day in self._day_breakdowns:
                merged.update(self._day_breakdowns[day])
        return merged

    def set_include_flagged(self, include: bool) -> Figures:
        self.include_flagged = include
        return self._finish(self.figures)
