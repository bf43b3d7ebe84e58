"""The admin view's figures: per-period aggregates from scoring/, updated in O(1) per tap.

Plain data, no Textual: the admin screen only draws what this computes.  Loading
builds per-day totals and the all-time hour profile once; choosing a period then
costs O(days in the period), and a new response is added to every running
aggregate without re-reading anything.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo

from kiosk.models import Response
from scoring import (
    Breakdown,
    Comparison,
    Period,
    Summary,
    Tally,
    compare,
    local_day_and_hour,
    period_between,
    period_named,
    summarize,
)

PERIODS = {"today": "Today", "7d": "7 days", "30d": "30 days", "all": "All time"}


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


class Dashboard:
    def __init__(self, day_hours: dict[date, dict[int, Tally]], *, threshold: int = 4,
                 min_responses: int = 30, include_flagged: bool = False,
                 today: Callable[[], date] = date.today,
                 day_breakdowns: dict[date, Breakdown] | None = None,
                 tz: tzinfo | None = None) -> None:
        self.tz = tz  # the kiosk's zone (store.calendar.tz); None: the system's
        self.threshold = threshold
        self.min_responses = min_responses
        self.include_flagged = include_flagged
        self.today = today
        self._day_breakdowns: dict[date, Breakdown] = dict(day_breakdowns or {})
        # Owned from here on: new responses are added into these tallies.
        self._day_hours_cache: dict[date, dict[int, Tally]] = dict(day_hours)
        self._day_totals: dict[date, Tally] = {}
        self._all_hours = [Tally() for _ in range(24)]
        for day, hours in day_hours.items():
            day_total = Tally()
            for hour, tally in hours.items():
                day_total.update(tally)
                self._all_hours[hour].update(tally)
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
        hours = self._hours_for(period, name)
        breakdown = Breakdown()
        for day in period.dates():
            if day in self._day_breakdowns:
                breakdown.update(self._day_breakdowns[day])
        self.figures = self._finish(Figures(period, name, total, previous_total, days, hours,
                                            weekdays, None, None, breakdown))  # type: ignore[arg-type]
        return self.figures

    def _hours_for(self, period: Period, name: str) -> list[Tally]:
        if name == "all":
            return [t.copy() for t in self._all_hours]
        return self._hour_profile(period)

    def _hour_profile(self, period: Period) -> list[Tally]:
        # O(24 x days in the period): the all-time profile is kept ready instead.
        hours = [Tally() for _ in range(24)]
        for day in period.dates():
            for hour, tally in self._day_hours_cache.get(day, {}).items():
                hours[hour].update(tally)
        return hours

    def _finish(self, figures: Figures) -> Figures:
        figures.summary = summarize(figures.total, threshold=self.threshold,
                                    min_responses=self.min_responses,
                                    include_flagged=self.include_flagged)
        current = figures.total.combined() if self.include_flagged else figures.total
        previous = (figures.previous_total.combined() if self.include_flagged
                    else figures.previous_total)
        figures.comparison = compare(current, previous, threshold=self.threshold)
        return figures

    def add(self, response: Response) -> Figures:
        """Count one new response everywhere, in O(1); returns the current figures."""
        day, hour = local_day_and_hour(response.timestamp, self.tz)
        score, flagged = response.score, response.flagged
        self._day_totals.setdefault(day, Tally()).add(score, flagged)
        self._all_hours[hour].add(score, flagged)
        self._day_hours_cache.setdefault(day, {}).setdefault(hour, Tally()).add(score, flagged)
        self._day_breakdowns.setdefault(day, Breakdown()).add(
            response.language, score, flagged, response.reason, response.nps)
        figures = self.figures
        if figures.period.end != self.today() and figures.name != "all":
            return self.select(figures.name)  # the day rolled over: new window
        if figures.period.contains(day):
            figures.breakdown.add(response.language, score, flagged, response.reason, response.nps)
            figures.total.add(score, flagged)
            figures.days.setdefault(day, Tally()).add(score, flagged)
            figures.hours[hour].add(score, flagged)
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
        if response.reason:
            extra.reasons[response.reason] = 1
        if response.nps is not None:
            extra.nps.add(response.nps)
        self._day_breakdowns.setdefault(day, Breakdown()).update(extra)
        if self.figures.period.contains(day):
            self.figures.breakdown.update(extra)
        return self.figures

    def set_include_flagged(self, include: bool) -> Figures:
        self.include_flagged = include
        return self._finish(self.figures)
