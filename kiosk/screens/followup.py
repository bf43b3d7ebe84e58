"""After a low score: "What went wrong?" with reason buttons, Skip, optional comment."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Grid, Vertical
from textual.widgets import Button, Input, Static

from kiosk.i18n import Texts
from kiosk.screens.afterthought import AfterthoughtScreen

COMMENT_MAX = 200


class FollowupScreen(AfterthoughtScreen):
    """Dismisses with (reason id or None, comment or None); times out to Skip."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]  # one-row buttons when short
    AUTO_FOCUS = ""  # digits pick reasons; the comment box takes focus after one

    BINDINGS = [
        *(Binding(str(n), f"reason({n})", show=False) for n in range(1, 7)),
        Binding("0,escape", "skip", show=False),
    ]

    def __init__(self, texts: Texts, reasons: tuple[str, ...], seconds: float,
                 comment: bool = False) -> None:
        super().__init__(id="followup")
        self.texts = texts
        self.reasons = reasons
        self.seconds = seconds
        self.comment = comment
        self.reason: str | None = None

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="followup-box"):
                yield Static(self.texts.followup_question, id="followup-question", markup=False)
                with Grid(id="reasons"):
                    for n, reason in enumerate(self.reasons, 1):
                        button = Button(f"{n} {self.texts.reason_label(reason)}",
                                        id=f"reason-{n}", classes="reason")
                        button.can_focus = False
                        yield button
                if self.comment:
                    yield Input(placeholder=self.texts.comment_prompt, id="comment",
                                max_length=COMMENT_MAX)
                skip = Button(f"0 {self.texts.skip}", id="skip")
                skip.can_focus = False
                yield skip

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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())[:COMMENT_MAX]
        self._finish(text or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "skip":
            if self._armed():
                self.action_skip()
        elif button_id.startswith("reason-"):
            self.action_reason(int(button_id.removeprefix("reason-")))
