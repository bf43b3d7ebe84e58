"""The question and its five options: the screen customers see."""
from __future__ import annotations

from collections.abc import Callable
from time import monotonic

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Click, Key, MouseDown, Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from kiosk.i18n import Texts
from kiosk.ui.messages import AdminRequested, RatingChosen
from kiosk.ui.screens.idle import IdleTimer
from kiosk.ui.widgets.headline import Headline
from kiosk.ui.widgets.rating import LanguageChoice, RatingOption

# The binding id the app maps to ``[admin] key`` through its keymap.
ADMIN_BINDING = "open_admin"
CHIP_MIN_WIDTH = 8  # a language chip is at least this wide (a fingertip)



class SurveyScreen(Screen[None]):
    """Answerable with keys 1-5, arrows + Enter, or a click/tap on an option.

    The language bar (tap a name, or key L for the next one) switches every text;
    the next customer starts in the default language again.  After
    ``attract_seconds`` without anyone the screen rests: a headline invites the
    next customer while the five answers stay on screen, and a tap on one of them
    records it."""

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
        Binding("f12", "request_admin", show=False, id=ADMIN_BINDING),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]

    ADMIN_TAPS = 5  # taps on the question within ADMIN_TAP_SECONDS open the PIN screen
    ADMIN_TAP_SECONDS = 3.0

    resting: reactive[bool] = reactive(False, init=False)

    def __init__(self, texts_for: Callable[[str], Texts], languages: tuple[str, ...],
                 default_language: str, idle_reset_seconds: float,
                 attract_seconds: float = 0.0, input_mode: str = "both",
                 attract_message: str = "") -> None:
        super().__init__(id="survey")
        self._question_taps: list[float] = []
        self.texts_for = texts_for
        self.languages = languages
        self.default_language = default_language
        self.language = default_language
        self.input_mode = input_mode
        self.attract_message = attract_message  # "" : the language's own text
        self._idle = IdleTimer(self, idle_reset_seconds, self.reset)
        self._attract = IdleTimer(self, attract_seconds, self._rest)
        self.highlighted: int | None = None
        self._answered = False  # a double tap must not make two records

    @property
    def texts(self) -> Texts:
        return self.texts_for(self.language)

    def compose(self) -> ComposeResult:
        texts = self.texts
        yield Headline(texts.question, id="question")
        with Horizontal(id="options"):
            for score, label in enumerate(texts.labels, 1):
                yield RatingOption(score, label)
        yield Static(Text(texts.hint_for(self.input_mode)), id="hint")
        if len(self.languages) > 1:
            with Horizontal(id="languages"):
                for code in self.languages:
                    name = self.texts_for(code).name
                    short = name if len(name) <= CHIP_MIN_WIDTH - 2 else code.upper()
                    yield LanguageChoice(code, name, short)

    def on_mount(self) -> None:
        self._attract.restart()
        self._mark_language()

    def on_screen_resume(self) -> None:
        self.reset()
        self._attract.restart()

    def on_screen_suspend(self) -> None:
        self._idle.stop()
        self._attract.stop()
        self.resting = False

    def on_resize(self, event: Resize) -> None:
        """Full language names where they all fit on one row, short ones otherwise."""
        chips = list(self.query(LanguageChoice))
        needed = sum(max(CHIP_MIN_WIDTH, len(c.full_name) + 2) + 1 for c in chips)
        for chip in chips:
            chip.show_short(needed > event.size.width)

    # -- resting ------------------------------------------------------------
    def _rest(self) -> None:
        if self.is_current:
            self.resting = True

    def watch_resting(self, resting: bool) -> None:
        self.set_class(resting, "-resting")
        self._show_texts()

    def _show_texts(self) -> None:
        texts = self.texts
        headline = (self.attract_message or texts.attract) if self.resting else texts.question
        self.query_one("#question", Headline).text = headline
        self.query_one("#hint", Static).update(Text(texts.hint_for(self.input_mode)))

    def reset(self) -> None:
        """Back to a clean question, in the default language, for the next customer."""
        self._answered = False
        self._set_highlight(None)
        if self.language != self.default_language:
            self.set_language(self.default_language)

    def _touch(self) -> None:
        """Someone is here: wake up, push the idle reset and the rest back."""
        self.resting = False
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
        self._show_texts()
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

    @on(LanguageChoice.Chosen)
    def _language_chosen(self, event: LanguageChoice.Chosen) -> None:
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
        # The tap first (it becomes durable while this screen restyles), then the highlight.
        self.post_message(RatingChosen(score, self.language))
        self._set_highlight(score)

    def action_request_admin(self) -> None:
        self.post_message(AdminRequested())

    @on(Click)
    def _question_tapped(self, event: Click) -> None:
        """Five taps on the question within three seconds: staff on a touch screen."""
        if event.widget is None or event.widget.id != "question":
            return
        now = monotonic()
        self._question_taps = [t for t in self._question_taps
                               if now - t <= self.ADMIN_TAP_SECONDS] + [now]
        if len(self._question_taps) >= self.ADMIN_TAPS:
            self._question_taps = []
            self.action_request_admin()

    @on(RatingOption.Pressed)
    def _option_pressed(self, event: RatingOption.Pressed) -> None:
        event.stop()
        self.action_choose(event.score)
