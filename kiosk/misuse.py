"""Repeated-tap rule: taps beyond ``max_taps`` within ``window_seconds`` are flagged.

Flagged taps are still stored (never deleted) but counted apart and left out of
CSAT by default: a child mashing the buttons must not move the shop's score."""
from __future__ import annotations

from collections import deque


class TapRule:
    def __init__(self, max_taps: int, window_seconds: float) -> None:
        self.max_taps = max_taps
        self.window_seconds = window_seconds
        self._recent: deque[float] = deque()

    def describe(self) -> str:
        """The rule as staff read it on the admin view."""
        return f"more than {self.max_taps} taps within {self.window_seconds:g} s"

    def is_flagged(self, now: float) -> bool:
        """Count a tap at ``now`` (monotonic seconds); True if it breaks the rule."""
        while self._recent and now - self._recent[0] >= self.window_seconds:
            self._recent.popleft()
        self._recent.append(now)
        return len(self._recent) > self.max_taps
