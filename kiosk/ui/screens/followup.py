"""After a low score: "What went wrong?" with reason buttons, Skip, optional comment."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widgets import Input

from kiosk.i18n import Texts, shows_keys
from kiosk.ui.screens.afterthought import AfterthoughtScreen, Countdown
from kiosk.ui.widgets.headline import Headline
from kiosk.ui.widgets.tap import TapButton

COMMENT_MAX = 200


class FollowupScreen(AfterthoughtScreen):
    """Dismisses with (reason id or None, comment or None); times out to Skip."""

    AUTO_FOCUS = ""  # digits pick reasons; the comment box takes focus after one

    BINDINGS = [
        *(Binding(str(n), f"reason({n})", show=False) for n in range(1, 7)),
        Binding("0,escape", "skip", show=False),
    ]

    def __init__(self, texts: Texts, reasons: tuple[str, ...], seconds: float,
                 comment: bool = False, input_mode: str = "both") -> None:
        super().__init__(id="followup")
        self.texts = texts
        self.reasons = reasons
        self.seconds = seconds
        self.comment = comment
        self.input_mode = input_mode
        self.reason: str | None = None

    def compose(self) -> ComposeResult:
        keys = shows_keys(self.input_mode)
        with Vertical(id="followup-box"):
            yield Headline(self.texts.followup_question, id="followup-question", share=0.3)
            with Grid(id="reasons"):
                for n, reason in enumerate(self.reasons, 1):
                    label = self.texts.reason_label(reason)
                    yield TapButton(f"{n}  {label}" if keys else label,
                                    id=f"reason-{n}", classes="reason")
            if self.comment:
                yield Input(placeholder=self.texts.comment_prompt, id="comment",
                            max_length=COMMENT_MAX)
            yield TapButton(f"0  {self.texts.skip}" if keys else self.texts.skip, id="skip",
                            classes="skip")
            yield Countdown(id="countdown")

    def action_reason(self, n: int) -> None:
        if not self._armed() or n > len(self.reasons):
            return
        self.reason = self.reasons[n - 1]
        for button in self.query(".reason"):
            button.set_class(button.id == f"reason-{n}", "-chosen")
        if self.comment:
            self.query_one("#comment", Input).focus()  # Enter sends, the timer still runs
        else:
            self._finish()

    def action_skip(self) -> None:
        if self.is_current:
            self.dismiss((self.reason, None))

    def _finish(self, comment: str | None = None) -> None:
        if self.is_current:
            self.dismiss((self.reason, comment))

    @on(Input.Submitted)
    def _comment_sent(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())[:COMMENT_MAX]
        self._finish(text or None)

    @on(TapButton.Pressed, "#skip")
    def _skip_tapped(self) -> None:
        if self._armed():
            self.action_skip()

    @on(TapButton.Pressed, ".reason")
    def _reason_tapped(self, event: TapButton.Pressed) -> None:
        self.action_reason(int((event.button.id or "").removeprefix("reason-")))
