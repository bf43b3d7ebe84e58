"""Dashboards built from plain tallies on fixed dates (no clock, no zone)."""
from __future__ import annotations

from datetime import date, timedelta

from kiosk.views.dashboard import Dashboard
from scoring import Breakdown, Tally

TODAY = date(2026, 11, 26)  # a Thursday


def tally(satisfied: int, unsatisfied: int) -> Tally:
    return Tally.from_counts([unsatisfied, 0, 0, 0, satisfied])


def steady(days: int = 120, per_hour: tuple[int, int] = (8, 2), hours=range(9, 19),
           end: date = TODAY) -> dict[date, dict[int, Tally]]:
    """Every day 09–18 h with the same answers: CSAT 80 % by default."""
    return {end - timedelta(days=back): {h: tally(*per_hour) for h in hours}
            for back in range(days)}


def dashboard(day_hours, *, breakdowns: dict[date, Breakdown] | None = None,
              period: str = "7d", min_responses: int = 30,
              include_flagged: bool = False) -> Dashboard:
    board = Dashboard(day_hours, today=lambda: TODAY, hour=lambda: 14,
                      day_breakdowns=breakdowns, min_responses=min_responses,
                      include_flagged=include_flagged)
    board.select(period)
    return board
