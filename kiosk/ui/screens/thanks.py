"""Shown after an answer; taps here are ignored, so a double tap records once."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static


class ThanksScreen(Screen[None]):
    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(id="thanks")
        self.message = message
        self.seconds = seconds

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(self.message, id="thanks-message", markup=False)

    def on_mount(self) -> None:
        self.set_timer(self.seconds, self._back)

    def _back(self) -> None:
        if self.is_current:
            self.dismiss()
