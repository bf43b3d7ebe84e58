"""The question and its five options: the screen customers see."""
from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Click, Key, MouseDown
from textual.screen import Screen
from textual.widgets import Static

from kiosk.i18n import Texts
from kiosk.messages import RatingChosen
from kiosk.screens.idle import IdleTimer
from kiosk.widgets.rating import LanguageChoice, RatingOption

if TYPE_CHECKING:
    from kiosk.app import KioskApp


class SurveyScreen(Screen[None]):
    """Answerable with keys 1-5, arrows + Enter, or a click/tap on an option.

    The language bar (tap a name, or key L for the next one) switches every text;
    the next customer starts in the default language again."""

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
        Binding("l", "next_language", show=False),
    ]

    ADMIN_TAPS = 5  # taps on the question within ADMIN_TAP_SECONDS open the PIN screen
    ADMIN_TAP_SECONDS = 3.0

    def __init__(self, texts_for: Callable[[str], Texts], languages: tuple[str, ...],
                 default_language: str, idle_reset_seconds: float,
                 admin_key: str = "f12", attract_seconds: float = 0.0) -> None:
        super().__init__(id="survey")
        self._bindings.bind(admin_key, "app.open_admin", show=False)
        self._question_taps: list[float] = []
        self.texts_for = texts_for
        self.languages = languages
        self.default_language = default_language
        self.language = default_language
        self._idle = IdleTimer(self, idle_reset_seconds, self.reset)
        self._attract = IdleTimer(self, attract_seconds, self._rest)
        self.highlighted: int | None = None
        self._answered = False  # a double tap must not make two records

    @property
    def texts(self) -> Texts:
        return self.texts_for(self.language)

    def compose(self) -> ComposeResult:
        texts = self.texts
        yield Static(texts.question, id="question", markup=False)
        with Horizontal(id="options"):
            for score, label in enumerate(texts.labels, 1):
                yield RatingOption(score, label)
        yield Static(texts.hint, id="hint", markup=False)
        if len(self.languages) > 1:
            with Horizontal(id="languages"):
                for code in self.languages:
                    yield LanguageChoice(code, self.texts_for(code).name)

    def on_mount(self) -> None:
        self._attract.restart()
        self._mark_language()

    def on_screen_resume(self) -> None:
        self.reset()
        self._attract.restart()

    def on_screen_suspend(self) -> None:
        self._idle.stop()
        self._attract.stop()

    def _rest(self) -> None:
        if self.is_current:
            cast("KioskApp", self.app).action_rest()

    def reset(self) -> None:
        """Back to a clean question, in the default language, for the next customer."""
        self._answered = False
        self._set_highlight(None)
        if self.language != self.default_language:
            self.set_language(self.default_language)

    def _touch(self) -> None:
        """Someone is here: push the idle reset and the attract screen back."""
        self._idle.restart()
        self._attract.restart()

    def on_key(self, event: Key) -> None:
        self._touch()

    def on_mouse_down(self, event: MouseDown) -> None:
        self._touch()

    # -- language ------------------------------------------------------------
    def set_language(self, code: str) -> None:
        self.language = code
        texts = self.texts
        self.query_one("#question", Static).update(texts.question)
        self.query_one("#hint", Static).update(texts.hint)
        for option in self.query(RatingOption):
            option.set_label(texts.labels[option.score - 1])
        self._mark_language()

    def _mark_language(self) -> None:
        for choice in self.query(LanguageChoice):
            choice.set_class(choice.code == self.language, "-current")

    def action_next_language(self) -> None:
        if len(self.languages) > 1:
            index = self.languages.index(self.language) if self.language in self.languages else -1
            self.set_language(self.languages[(index + 1) % len(self.languages)])
            self._touch()

    def on_language_choice_chosen(self, event: LanguageChoice.Chosen) -> None:
        event.stop()
        self.set_language(event.code)
        self._touch()

    # -- answering -----------------------------------------------------------
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
        self.post_message(RatingChosen(score, self.language))

    def on_click(self, event: Click) -> None:
        """Five taps on the question within three seconds: staff on a touch screen."""
        if event.widget is None or event.widget.id != "question":
            return
        now = monotonic()
        self._question_taps = [t for t in self._question_taps
                               if now - t <= self.ADMIN_TAP_SECONDS] + [now]
        if len(self._question_taps) >= self.ADMIN_TAPS:
            self._question_taps = []
            cast("KioskApp", self.app).action_open_admin()

    def on_rating_option_pressed(self, event: RatingOption.Pressed) -> None:
        event.stop()
        self.action_choose(event.score)
