"""The base of the questions asked after the answer (follow-up, NPS): they ignore
input for a moment, show how long they wait, and count as skipped when nobody answers."""
from __future__ import annotations

from time import monotonic
from typing import Any

from rich.text import Text
from textual.events import Key, MouseDown
from textual.screen import Screen
from textual.widgets import Static

from kiosk.ui.screens.idle import IdleTimer

# Ignore input this long after showing: the second half of a double tap on the
# survey must not answer the next question by accident.
ARM_SECONDS = 0.4


class Countdown(Static):
    """A bar that shrinks as the screen's timeout runs out, with the seconds left."""

    def show(self, left: float, total: float) -> None:
        width = max(0, self.content_region.width - 6)
        filled = round(width * max(0.0, left) / total) if total else 0
        self.update(Text.assemble(("━" * filled, "bold"), " " * (width - filled),
                                  f" {max(0, round(left)):>3} s"))


class AfterthoughtScreen(Screen[Any]):
    """Subclasses set ``seconds`` and implement ``action_skip``; they yield a
    ``Countdown(id="countdown")`` in their compose."""

    seconds: float = 15.0
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]
    # Until mounted: not armed, and keys arriving early (a double tap) restart nothing.
    _shown_at = float("inf")
    _started = 0.0
    _timeout: IdleTimer | None = None

    def on_mount(self) -> None:
        self._shown_at = monotonic()
        self._timeout = IdleTimer(self, self.seconds, self.action_skip)
        self._restart()
        self.set_interval(0.5, self._tick)

    def _restart(self) -> None:
        if self._timeout is None:
            return
        self._started = monotonic()
        self._timeout.restart()
        self._tick()

    def _tick(self) -> None:
        for countdown in self.query(Countdown):
            countdown.show(self.seconds - (monotonic() - self._started), self.seconds)

    def _armed(self) -> bool:
        return monotonic() - self._shown_at >= ARM_SECONDS

    def on_key(self, event: Key) -> None:
        self._restart()

    def on_mouse_down(self, event: MouseDown) -> None:
        self._restart()

    def action_skip(self) -> None:
        raise NotImplementedError
