"""The base of the questions asked after the answer (follow-up, NPS): they ignore
input for a moment and count as skipped when nobody answers."""
from __future__ import annotations

from time import monotonic
from typing import Any

from textual.events import Key, MouseDown
from textual.screen import Screen

from kiosk.screens.idle import IdleTimer

# Ignore input this long after showing: the second half of a double tap on the
# survey must not answer the next question by accident.
ARM_SECONDS = 0.4


class AfterthoughtScreen(Screen[Any]):
    """Subclasses set ``seconds`` and implement ``action_skip``."""

    seconds: float = 15.0

    def on_mount(self) -> None:
        self._shown_at = monotonic()
        self._timeout = IdleTimer(self, self.seconds, self.action_skip)
        self._timeout.restart()

    def _armed(self) -> bool:
        return monotonic() - self._shown_at >= ARM_SECONDS

    def on_key(self, event: Key) -> None:
        self._timeout.restart()

    def on_mouse_down(self, event: MouseDown) -> None:
        self._timeout.restart()

    def action_skip(self) -> None:
        raise NotImplementedError
