"""Outside opening hours: the closed screen.  (Resting between customers is the
survey's own quiet state, so that its answers stay on screen and tappable.)"""
from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from kiosk.ui.messages import AdminRequested
from kiosk.ui.screens.survey import ADMIN_BINDING


class ClosedScreen(Screen[None]):
    """Outside opening hours: nothing can be answered; it leaves by itself at opening."""

    BINDINGS = [Binding("f12", "request_admin", show=False, id=ADMIN_BINDING)]

    def __init__(self, message: str, is_open: Callable[[], bool]) -> None:
        super().__init__(id="closed")
        self.message = message
        self.is_open = is_open

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(Text(self.message), id="closed-message")

    def on_mount(self) -> None:
        self.set_interval(15, self.check)

    def check(self) -> None:
        if self.is_current and self.is_open():
            self.dismiss(None)

    def action_request_admin(self) -> None:
        self.post_message(AdminRequested())
