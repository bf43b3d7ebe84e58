"""The five big answer options of the survey."""
from __future__ import annotations

from textual.message import Message
from textual.widgets import Static

# A face per option: plain ASCII, so every terminal draws it one cell per char.
FACES = ("(>_<)", "(-_-)", "(o_o)", "(^_^)", "(^o^)")


class RatingOption(Static):
    """One answer: its number, a face and its label, on the option's colour.

    Clicking (or tapping) it posts ``RatingOption.Pressed``."""

    class Pressed(Message):
        def __init__(self, score: int) -> None:
            super().__init__()
            self.score = score

    def __init__(self, score: int, label: str) -> None:
        super().__init__(id=f"rate-{score}", classes=f"rating score-{score}", markup=False)
        self.score = score
        self.label = label

    def on_mount(self) -> None:
        self.set_label(self.label)

    def set_label(self, label: str) -> None:
        self.label = label
        self.update(f"{self.score}\n\n{FACES[self.score - 1]}\n\n{label}")

    def on_click(self) -> None:
        self.post_message(self.Pressed(self.score))


class LanguageChoice(Static):
    """A language's native name on the language bar; a tap switches to it."""

    class Chosen(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, code: str, name: str) -> None:
        super().__init__(name, id=f"lang-{code}", classes="language", markup=False)
        self.code = code

    def on_click(self) -> None:
        self.post_message(self.Chosen(self.code))
