"""The five big answer options of the survey, and the language chips."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Click
from textual.message import Message
from textual.widgets import Digits, Static

# A face per option: plain ASCII, so every terminal draws it one cell per char.
FACES = ("(>_<)", "(-_-)", "(o_o)", "(^_^)", "(^o^)")


class RatingOption(Vertical):
    """One answer: a coloured tile with its number drawn large, a face and its label.

    The tile sits in a one-cell frame of the screen's background: the gap between
    answers, and the keyboard highlight (the frame lights up).  A click or tap
    anywhere on it posts ``RatingOption.Pressed``."""

    class Pressed(Message):
        def __init__(self, score: int) -> None:
            super().__init__()
            self.score = score

    def __init__(self, score: int, label: str) -> None:
        super().__init__(id=f"rate-{score}", classes=f"rating score-{score}")
        self.score = score
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"tile answer answer-{self.score}"):
            with Vertical(classes="number-box"):
                yield Digits(str(self.score), classes="number")
            yield Static(FACES[self.score - 1], classes="face", markup=False)
            yield Static(Text(self.label), classes="label")

    def set_label(self, label: str) -> None:
        self.label = label
        if self.is_mounted:
            self.query_one(".label", Static).update(Text(label))

    @on(Click)
    def _pressed(self) -> None:
        self.post_message(self.Pressed(self.score))


class LanguageChoice(Static):
    """A language chip on the language bar; a tap switches to it.

    Shows the language's native name, or its short name where the bar is narrow."""

    class Chosen(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, code: str, name: str, short_name: str) -> None:
        super().__init__(Text(name), id=f"lang-{code}", classes="language")
        self.code = code
        self.full_name = name
        self.short_name = short_name

    def show_short(self, short: bool) -> None:
        self.update(Text(self.short_name if short else self.full_name))

    @on(Click)
    def _chosen(self) -> None:
        self.post_message(self.Chosen(self.code))
