"""A timeout that any activity pushes back: idle reset, attract, PIN and admin locks."""
from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.timer import Timer


class IdleTimer:
    """Calls ``callback`` after ``seconds`` without a ``restart()``; 0 seconds: never.

    A Textual timer that has fired cannot be reset, so every restart makes a
    new one (owned by ``owner``, so it dies with its screen)."""

    def __init__(self, owner: DOMNode, seconds: float, callback: Callable[[], object]) -> None:
        self.owner = owner
        self.seconds = seconds
        self.callback = callback
        self._timer: Timer | None = None

    def restart(self) -> None:
        self.stop()
        if self.seconds:
            self._timer = self.owner.set_timer(self.seconds, self.callback)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
