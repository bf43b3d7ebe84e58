"""Between customers: the calm attract screen, and the closed screen outside opening hours."""
from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.events import Key, MouseDown
from textual.screen import Screen
from textual.widgets import Static


class AttractScreen(Screen[None]):
    """Shown after the idle time; any key or tap wakes the survey (and is not an answer)."""

    def __init__(self, question: str, message: str) -> None:
        super().__init__(id="attract")
        self.question = question
        self.message = message

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(self.question, id="attract-question", markup=False)
            with Center():
                yield Static(self.message, id="attract-message", markup=False)

    def on_key(self, event: Key) -> None:
        event.stop()
        self._wake()

    def on_mouse_down(self, event: MouseDown) -> None:
        event.stop()
        self._wake()

    def _wake(self) -> None:
        if self.is_current:
            self.dismiss(None)


class ClosedScreen(Screen[None]):
    """Outside opening hours: nothing can be answered; it leaves by itself at opening."""

    def __init__(self, message: str, is_open: Callable[[], bool], admin_key: str) -> None:
        super().__init__(id="closed")
        self.message = message
        self.is_open = is_open
        self._bindings.bind(admin_key, "app.open_admin", show=False)

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(self.message, id="closed-message", markup=False)

    def on_mount(self) -> None:
        self.set_interval(15, self.check)

    def check(self) -> None:
        if self.is_current and self.is_open():
            self.dismiss(None)
