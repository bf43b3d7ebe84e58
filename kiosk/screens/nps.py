"""Optional: "How likely are you to recommend us?" 0-10 on one row."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.i18n import Texts
from kiosk.screens.afterthought import AfterthoughtScreen


class NpsScreen(AfterthoughtScreen):
    """Keys 0-9 and + (for 10), arrows + Enter, or a tap; times out to no answer."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]

    BINDINGS = [
        *(Binding(str(n), f"choose({n})", show=False) for n in range(10)),
        Binding("plus", "choose(10)", show=False),
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
        Binding("enter", "choose_highlighted", show=False),
        Binding("escape", "skip", show=False),
    ]

    def __init__(self, texts: Texts, seconds: float) -> None:
        super().__init__(id="nps")
        self.texts = texts
        self.seconds = seconds
        self.highlighted: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="nps-box"):
            yield Static(self.texts.nps_question, id="nps-question", markup=False)
            with Horizontal(id="nps-row"):
                for n in range(11):
                    button = Button(str(n), id=f"nps-{n}", classes=f"nps-score nps-{n}")
                    button.can_focus = False
                    yield button
            with Horizontal(id="nps-ends"):
                yield Static(self.texts.nps_low, id="nps-low", markup=False)
                yield Static(self.texts.nps_high, id="nps-high", markup=False)
            yield Static(self.texts.nps_hint, id="nps-hint", markup=False)
            skip = Button(self.texts.skip, id="nps-skip")
            skip.can_focus = False
            yield skip

    def action_choose(self, n: int) -> None:
        if self._armed() and self.is_current:
            self.dismiss(n)

    def action_move(self, step: int) -> None:
        self.highlighted = 5 if self.highlighted is None else min(10, max(0, self.highlighted + step))
        for button in self.query(".nps-score"):
            button.set_class(button.id == f"nps-{self.highlighted}", "-chosen")

    def action_choose_highlighted(self) -> None:
        if self.highlighted is not None:
            self.action_choose(self.highlighted)

    def action_skip(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "nps-skip":
            self.action_skip()
        elif button_id.startswith("nps-"):
            self.action_choose(int(button_id.removeprefix("nps-")))
