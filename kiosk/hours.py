"""Opening hours: outside them the kiosk shows a closed screen and records nothing."""
from __future__ import annotations

from datetime import datetime, time


class OpeningHours:
    """``open``/``close`` as "HH:MM"; None for both means always open.
    A close before the open time wraps past midnight (a bar open 18:00-02:00)."""

    def __init__(self, open_at: str | None, close_at: str | None) -> None:
        self.open_at = time.fromisoformat(open_at) if open_at else None
        self.close_at = time.fromisoformat(close_at) if close_at else None

    def is_open(self, now: datetime) -> bool:
        if self.open_at is None or self.close_at is None:
            return True
        moment = now.time()
        if self.open_at <= self.close_at:
            return self.open_at <= moment < self.close_at
        return moment >= self.open_at or moment < self.close_at
