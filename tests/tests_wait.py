"""Wait for a condition from a plain (non-async) test: threads and servers, no fixed sleep."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str | Callable[[], str] = "") -> None:
    """Check ``condition`` until it holds; the pause between checks only yields the
    CPU to the threads and processes being waited for, the deadline bounds a hang."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            detail = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout}s waiting for {detail or condition}")
        pause.wait(0.01)
