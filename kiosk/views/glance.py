"""The glance card: "how are we doing, and is it getting better?" in five seconds.

One frozen :class:`Glance` per period, the same for the terminal admin, the web
dashboard and the e-mailed reports.  Built from a :class:`~kiosk.views.dashboard.Dashboard`
(its selected period) without re-reading any data; or, for figures that have no
Dashboard (the chain at head office), from plain tallies with :func:`make_glance`.

Stable API::

    glance(dashboard, target)                 -> Glance of dashboard.figures
    make_glance(name, words, period, current, previous, comparison, against,
                weeks, target=…, threshold=…, min_responses=…) -> Glance
    weekly_series(day_total, end, weeks=12)   -> tuple[WeekPoint, ...]
    shown(value)                              -> the figure as printed (1 decimal)

Formulas (all from ``scoring``):

- ``csat`` = 100 × answers ≥ threshold / answers (flagged answers counted only when the
  dashboard includes them); ``shown`` = ``round(csat, 1)``, the figure printed.
- ``change`` = csat − csat of the comparison period, in points; ``arrow`` is ▲/▼/= on
  the change *as shown* (one decimal).
- ``verdict`` is :attr:`scoring.Comparison.verdict`: Fisher's exact test for small counts,
  the pooled two-proportion z-test otherwise, at α = 0.05, and "too few answers" below
  ``min_responses`` on either side.
- ``tone`` (the big figure): "neutral" without answers, "small sample" below
  ``min_responses``, else "good" when ``shown ≥ target`` and "bad" below it — decided on
  the ROUNDED figure, so "80.0" is never painted below an 80 % target.
- ``change_tone``: "good" for a real change up, "bad" for a real change down, "neutral"
  otherwise (within chance, too few answers): good news and bad news never share a colour.
- ``series``: 12 calendar weeks (Monday first) ending with the week of the period's last
  day, each the SUM of its days' answers (CSAT None for a week without answers).
- ``axis``: the sparkline's range, scaled to the data: the weekly values and the target,
  padded by 2 points, widened to multiples of 5 and at least 10 points, inside 0–100.
  ``band`` = (target, axis top): the "at target" band drawn behind the sparkline.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from scoring import Comparison, Period, Summary, Tally, csat_percent, summarize
from scoring.comparison import Verdict

from .dashboard import Dashboard, Figures

__all__ = ["Glance", "WeekPoint", "Tone", "glance", "make_glance", "weekly_series", "shown",
           "period_words", "sparkline_axis", "SERIES_WEEKS"]

SERIES_WEEKS = 12
Tone = Literal["good", "bad", "neutral", "small sample"]
PERIOD_WORDS = {"today": "today so far", "7d": "last 7 days", "30d": "last 30 days",
                "all": "all time"}


def shown(value: float) -> float:
    """The figure as printed (one decimal): every colour and verdict is decided on it."""
    return round(value, 1)


def period_words(name: str, period: Period) -> str:
    """"last 7 days", "all time (since 2026-01-05)", or the period's own label."""
    if name == "all":
        return f"all time (since {period.start.isoformat()})"
    return PERIOD_WORDS.get(name, period.label)


@dataclass(frozen=True)
class WeekPoint:
    """One calendar week of the sparkline: its Monday, CSAT (None: no answers), answers."""

    start: date
    csat: float | None
    n: int


@dataclass(frozen=True)
class Glance:
    """The card's figures for one period (see the module doc for each formula)."""

    name: str  # "today", "7d", "30d", "all" (or any other key the caller uses)
    period: str  # in words: "last 7 days"
    start: date
    end: date
    csat: float | None  # raw
    n: int
    target: float
    tone: Tone
    change: float | None  # points, raw
    verdict: Verdict
    change_tone: Tone
    against: str  # what the change is measured against, in words
    interval: tuple[float, float] | None  # 95 % Wilson interval of csat
    test: str | None
    p_value: float | None
    previous_n: int
    series: tuple[WeekPoint, ...]
    axis: tuple[float, float]
    small_sample: bool
    min_responses: int = 30

    @property
    def shown(self) -> float | None:
        return None if self.csat is None else shown(self.csat)

    @property
    def change_shown(self) -> float | None:
        return None if self.change is None else shown(self.change)

    @property
    def arrow(self) -> str:
        """▲ up, ▼ down, = unchanged (as shown), "" with nothing to compare."""
        change = self.change_shown
        if change is None:
            return ""
        return "▲" if change > 0 else "▼" if change < 0 else "="

    @property
    def band(self) -> tuple[float, float]:
        """The "at target" band of the sparkline: target to the axis top."""
        return (min(self.target, self.axis[1]), self.axis[1])

    @property
    def on_target(self) -> bool | None:
        return None if self.shown is None else self.shown >= self.target

    def figure_text(self) -> str:
        """"81.3 %" or "—"."""
        return "—" if self.shown is None else f"{self.shown:.1f} %"

    def change_text(self) -> str:
        """"▲ 1.8 points on the 7 days before" (or why there is none)."""
        change = self.change_shown
        if change is None:
            return f"nothing to compare with in {self.against}"
        if change == 0:
            return f"= the same as {self.against}"
        return f"{self.arrow} {abs(change):.1f} points on {self.against}"

    def verdict_text(self) -> str:
        return {"real change": "real change", "within chance": "within chance",
                "too few answers": "too few answers", "nothing to compare": "no comparison"
                }[self.verdict]

    def answers_text(self) -> str:
        return f"{self.n:,} answer{'' if self.n == 1 else 's'}"

    def target_text(self) -> str:
        """"at target (80 %)", "2.1 below target (80 %)" — on the figure as shown."""
        if self.shown is None:
            return f"target {self.target:g} %"
        gap = shown(self.shown - self.target)
        if gap >= 0:
            return f"at target ({self.target:g} %)"
        return f"{abs(gap):.1f} below target ({self.target:g} %)"

    def detail_text(self) -> str:
        """The statistics one key away: interval, test, p, answers on both sides."""
        parts = []
        if self.interval is not None:
            parts.append(f"95 % interval {self.interval[0]:.1f}–{self.interval[1]:.1f} %")
        if self.p_value is not None and self.test is not None:
            p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
            parts.append(f"{self.test}: {p} ({self.n:,} vs {self.previous_n:,} answers)")
        if self.small_sample and self.csat is not None:
            parts.append(f"fewer than {self.min_responses} answers: the figure can move a lot")
        return " · ".join(parts) or "no answers in this period"


def sparkline_axis(values: Sequence[float | None], target: float) -> tuple[float, float]:
    """The sparkline's range: the values and the target, padded 2 points, on multiples
    of 5, at least 10 points wide, inside 0–100."""
    known = [v for v in values if v is not None] + [target]
    low = max(0.0, math.floor((min(known) - 2.0) / 5.0) * 5.0)
    high = min(100.0, math.ceil((max(known) + 2.0) / 5.0) * 5.0)
    while high - low < 10.0:
        if high < 100.0:
            high = min(100.0, high + 5.0)
        else:
            low = max(0.0, low - 5.0)
    return (low, high)


def weekly_series(day_total: Callable[[date], Tally], end: date, *, weeks: int = SERIES_WEEKS,
                  threshold: int = 4) -> tuple[WeekPoint, ...]:
    """``weeks`` calendar weeks (Monday first) ending with the week of ``end``; each the
    sum of its days' answers up to ``end`` (``day_total(day)`` gives one day's)."""
    last_monday = end - timedelta(days=end.weekday())
    points = []
    for back in range(weeks - 1, -1, -1):
        monday = last_monday - timedelta(weeks=back)
        tally = Tally()
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if day > end:
                break
            tally.update(day_total(day))
        points.append(WeekPoint(monday, csat_percent(tally, threshold), tally.n))
    return tuple(points)


def _tone(summary: Summary, target: float) -> Tone:
    if summary.csat is None:
        return "neutral"
    if summary.small_sample:
        return "small sample"
    return "good" if shown(summary.csat) >= target else "bad"


def _change_tone(comparison: Comparison) -> Tone:
    if comparison.verdict != "real change" or comparison.change is None:
        return "neutral"
    change = shown(comparison.change)
    return "good" if change > 0 else "bad" if change < 0 else "neutral"


def make_glance(name: str, words: str, period: Period, summary: Summary,
                comparison: Comparison, against: str, series: Sequence[WeekPoint], *,
                target: float, min_responses: int = 30) -> Glance:
    """A Glance from figures already computed (a Summary and a Comparison of scoring)."""
    return Glance(
        name=name, period=words, start=period.start, end=period.end,
        csat=summary.csat, n=summary.responses, target=target,
        tone=_tone(summary, target), change=comparison.change, verdict=comparison.verdict,
        change_tone=_change_tone(comparison), against=against, interval=summary.ci95,
        test=comparison.test if comparison.p_value is not None else None,
        p_value=comparison.p_value, previous_n=comparison.previous_n,
        series=tuple(series),
        axis=sparkline_axis([p.csat for p in series] + [summary.csat], target),
        small_sample=summary.small_sample, min_responses=min_responses)


def glance(dashboard: Dashboard, target: float, figures: Figures | None = None) -> Glance:
    """The card of the dashboard's selected period (or of ``figures``), read from what the
    dashboard already holds: O(days in 12 weeks), nothing re-read."""
    figures = figures or dashboard.figures
    threshold = figures.summary.threshold

    def day_total(day: date) -> Tally:
        return dashboard.counted(dashboard.day_total(day))

    series = weekly_series(day_total, figures.period.end, threshold=threshold)
    against = figures.comparison_label
    if figures.name == "today":  # the same hours only: said short, the detail says more
        against = f"yesterday 00:00–{figures.last_hour:02d}:59"
    return make_glance(figures.name, period_words(figures.name, figures.period), figures.period,
                       figures.summary, figures.comparison, against, series,
                       target=target, min_responses=dashboard.min_responses)


def summary_of(tally: Tally, threshold: int, min_responses: int) -> Summary:
    """scoring.summarize, re-exported for callers building a Glance from tallies."""
    return summarize(tally, threshold=threshold, min_responses=min_responses)
