"""The question and its five options: the screen customers see."""
from __future__ import annotations

from time import monotonic

from textual.app import ComposeResult
from textual.events import Click
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from kiosk.messages import RatingChosen
from kiosk.widgets.rating import RatingOption


class SurveyScreen(Screen):
    """Answerable with keys 1-5, arrows + Enter, or a click/tap on an option."""

    BINDINGS = [
        Binding("1", "choose(1)", show=False),
        Binding("2", "choose(2)", show=False),
        Binding("3", "choose(3)", show=False),
        Binding("4", "choose(4)", show=False),
        Binding("5", "choose(5)", show=False),
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("enter,space", "choose_highlighted", show=False),
    ]

    ADMIN_TAPS = 5  # taps on the question within ADMIN_TAP_SECONDS open the PIN screen
    ADMIN_TAP_SECONDS = 3.0

    def __init__(self, question: str, labels: tuple[str, ...], idle_reset_seconds: float,
                 admin_key: str = "f12") -> None:
        super().__init__(id="survey")
        self._bindings.bind(admin_key, "app.open_admin", show=False)
        self._question_taps: list[float] = []
        self.question = question
        self.labels = labels
        self.idle_reset_seconds = idle_reset_seconds
        self.highlighted: int | None = None
        self._answered = False  # a double tap must not make two records

    def compose(self) -> ComposeResult:
        yield Static(self.question, id="question", markup=False)
        with Horizontal(id="options"):
            for score, label in enumerate(self.labels, 1):
                yield RatingOption(score, label)
        yield Static("Tap an answer  ·  or press 1-5", id="hint")

    def on_mount(self) -> None:
        self._idle = self.set_timer(self.idle_reset_seconds or 1e9, self.reset, pause=True)

    def on_screen_resume(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to a clean question for the next customer."""
        self._answered = False
        self._set_highlight(None)

    def _touch(self) -> None:
        if self.idle_reset_seconds:
            self._idle.reset()
            self._idle.resume()

    def _set_highlight(self, score: int | None) -> None:
        self.highlighted = score
        for option in self.query(RatingOption):
            option.set_class(option.score == score, "-highlighted")

    def action_move(self, step: int) -> None:
        # The first arrow press lights the middle option, later ones move it.
        target = 3 if self.highlighted is None else self.highlighted + step
        self._set_highlight(min(5, max(1, target)))
        self._touch()

    def action_choose_highlighted(self) -> None:
        if self.highlighted is not None:
            self.action_choose(self.highlighted)

    def action_choose(self, score: int) -> None:
        if self._answered:
            return
        self._answered = True
        self._set_highlight(score)
        self.post_message(RatingChosen(score))

    def on_click(self, event: Click) -> None:
        """Five taps on the question within three seconds: staff on a touch screen."""
        if event.widget is None or event.widget.id != "question":
            return
        now = monotonic()
        self._question_taps = [t for t in self._question_taps
                               if now - t <= self.ADMIN_TAP_SECONDS] + [now]
        if len(self._question_taps) >= self.ADMIN_TAPS:
            self._question_taps = []
            self.app.action_open_admin()

    def on_rating_option_pressed(self, event: RatingOption.Pressed) -> None:
        event.stop()
        self.action_choose(event.score)
