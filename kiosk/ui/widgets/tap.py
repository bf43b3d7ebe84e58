"""A finger-sized button for the customer screens: never focused, no hover flash.

Textual's Button takes focus, lights up under a hovering mouse and draws its own
colours; on a touch counter that is noise.  A tap (mouse down then up on it) posts
``TapButton.Pressed``; ``@on(TapButton.Pressed, "#id")`` picks one."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.events import Click
from textual.message import Message
from textual.widgets import Static


class TapButton(Static):
    DEFAULT_CSS = """
    TapButton {
        height: 3;
        min-width: 8;
        width: 100%;
        content-align: center middle;
        text-align: center;
        text-style: bold;
        background: $panel;
        color: $text;
    }
    """

    class Pressed(Message):
        def __init__(self, button: TapButton) -> None:
            super().__init__()
            self.button = button

        @property
        def control(self) -> TapButton:
            return self.button

    def __init__(self, label: str | Text, *, id: str | None = None,
                 classes: str | None = None) -> None:
        # Labels may come from config or locales: a plain string is shown literally.
        super().__init__(Text(label) if isinstance(label, str) else label, id=id,
                         classes=classes)

    @on(Click)
    def _tapped(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Pressed(self))
