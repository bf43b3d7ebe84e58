"""Shared fixtures: a kiosk config on a temp data dir, an open store, a wait helper."""
from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import AdminConfig, Config, FollowupConfig, KioskConfig, RestConfig, TimingConfig
from kiosk.store.response_store import ResponseStore


async def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what="") -> None:
    """Check ``condition`` after every turn of the event loop until it holds.

    No sleep: each turn lets the app run its pending callbacks (messages,
    timers, call_from_thread from the writer) before the next check; the
    deadline only bounds a test that would otherwise hang."""
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            detail = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout}s waiting for {detail or condition}")
        await _next_turn(loop)


async def _next_turn(loop: asyncio.AbstractEventLoop) -> None:
    """Give the event loop one full turn (every ready callback runs once)."""
    turn = loop.create_future()
    loop.call_soon(turn.set_result, None)
    await turn


class SteppedClock:
    """A monotonic clock that moves only when the test says so (patched over a
    module's ``monotonic``): windows such as "five taps within 3 s" or the 0.4 s
    arming of the follow-up hold on any runner, however slow."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def fire(timer) -> None:
    """Run a running ``IdleTimer``'s timeout now, as its wall-clock timer would.

    Tests give such timers a long time (60 s) and fire them here, so a slow
    runner never sees one fire early, and no test waits for one."""
    assert timer._timer is not None, "the timeout is not running"
    timer.stop()
    result = timer.callback()
    if inspect.isawaitable(result):
        await result


def taps_taken(store: ResponseStore) -> int:
    """Responses the store has accepted: on disk, or queued for the writer (the
    app keeps no list of its own; a response being popped may count twice for a
    moment, so wait for ``>= n``)."""
    return store.pending + sum(1 for _ in store.iter_docs())


async def open_admin(app, pilot, pin: str):
    """From the survey: the admin key, the PIN, and the admin view once its figures
    are loaded; returns the AdminScreen."""
    from kiosk.ui.screens.admin import AdminScreen

    await pilot.press("f12", *pin, "enter")
    await wait_until(lambda: isinstance(app.screen, AdminScreen), what="the admin view")
    admin = app.screen
    await wait_until(lambda: admin.dashboard is not None, what="the admin figures")
    return admin


@pytest.fixture(autouse=True)
def true_colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process apps see a true-colour terminal whatever TERM the runner has, so
    snapshots agree everywhere (tests/ui/test_terminal_colors.py runs the other depths
    in real pseudo-terminals)."""
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        path=tmp_path / "config.toml",
        kiosk=KioskConfig(id="test-kiosk", data_dir=tmp_path / "data"),
        timing=TimingConfig(thank_you_seconds=0.3, idle_reset_seconds=30),
        admin=AdminConfig(export_dir=tmp_path / "exports"),
        # The follow-up and attract screens have tests of their own.
        followup=FollowupConfig(enabled=False),
        rest=RestConfig(attract_seconds=0),
    )


@pytest.fixture
def store(config: Config):
    opened = ResponseStore(config.data_dir).open_writer()
    yield opened
    opened.close()
