"""Optional: "How likely are you to recommend us?" 0-10, coloured by NPS band."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Static

from kiosk.i18n import Texts
from kiosk.ui.screens.afterthought import AfterthoughtScreen, Countdown
from kiosk.ui.widgets.headline import Headline
from kiosk.ui.widgets.tap import TapButton


def band_class(score: int) -> str:
    """Detractors (0-6) like answer 1, passives (7-8) like answer 3, promoters like 5."""
    return "answer-1" if score <= 6 else "answer-3" if score <= 8 else "answer-5"


class NpsScreen(AfterthoughtScreen):
    """Keys 0-9 and + (for 10), arrows + Enter, or a tap; times out to no answer."""

    # One row of eleven where they stay finger-wide, two rows otherwise.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        *(Binding(str(n), f"choose({n})", show=False) for n in range(10)),
        Binding("plus", "choose(10)", show=False),
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
        Binding("enter", "choose_highlighted", show=False),
        Binding("escape", "skip", show=False),
    ]

    def __init__(self, texts: Texts, seconds: float, input_mode: str = "both") -> None:
        super().__init__(id="nps")
        self.texts = texts
        self.seconds = seconds
        self.input_mode = input_mode
        self.highlighted: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="nps-box"):
            yield Headline(self.texts.nps_question, id="nps-question", share=0.3)
            with Grid(id="nps-row"):
                for n in range(11):
                    yield TapButton(str(n), id=f"nps-{n}",
                                    classes=f"nps-score answer {band_class(n)}")
            with Horizontal(id="nps-ends"):
                yield Static(Text(f"0 = {self.texts.nps_low}"), id="nps-low")
                yield Static(Text(f"10 = {self.texts.nps_high}"), id="nps-high")
            yield Static(Text(self.texts.nps_hint_for(self.input_mode)), id="nps-hint")
            yield TapButton(self.texts.skip, id="nps-skip", classes="skip")
            yield Countdown(id="countdown")

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

    @on(TapButton.Pressed, "#nps-skip")
    def _skip_tapped(self) -> None:
        self.action_skip()

    @on(TapButton.Pressed, ".nps-score")
    def _score_tapped(self, event: TapButton.Pressed) -> None:
        self.action_choose(int((event.button.id or "").removeprefix("nps-")))
