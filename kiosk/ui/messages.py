"""Messages that customer screens post to the app (screens never touch the store)."""
from __future__ import annotations

from textual.message import Message


class RatingChosen(Message):
    """A customer chose an option on the survey (score 1-5) in a language."""

    def __init__(self, score: int, language: str) -> None:
        super().__init__()
        self.score = score
        self.language = language


class AdminRequested(Message):
    """Staff asked for the admin view (admin key, or taps on the question)."""
