"""An on-screen PIN keypad for touch screens (its keys never take focus)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message

from kiosk.ui.widgets.tap import TapButton

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK")


class Keypad(Grid):
    class Pressed(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key  # a digit, "back" or "ok"

    def compose(self) -> ComposeResult:
        for key in KEYS:
            name = {"⌫": "back", "OK": "ok"}.get(key, key)
            yield TapButton(key, id=f"key-{name}", classes="keypad-key")

    @on(TapButton.Pressed)
    def _key_tapped(self, event: TapButton.Pressed) -> None:
        event.stop()
        self.post_message(self.Pressed((event.button.id or "").removeprefix("key-")))
