"""A full, read-only or failing disk: customers keep being served, taps wait in memory,
staff see a red warning, and everything is written once the disk is back."""
from __future__ import annotations

import errno
import json
import os
import threading

import pytest

from kiosk.pin import PinVault
from kiosk.store.fallback import save_unwritten
from kiosk.store.response_store import ResponseStore
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.survey import SurveyScreen
from tests.conftest import open_admin, taps_taken, wait_until


class Disk:
    """While ``broken`` is set the kernel refuses writes to the day files with
    ``error``: injected at os.write / os.fdatasync, below the store's recovery code."""

    def __init__(self, monkeypatch, error: int) -> None:
        self.broken = threading.Event()
        self.error = error
        real_write, real_sync = os.write, os.fdatasync

        def refuses(fd: int) -> bool:
            if not self.broken.is_set():
                return False
            try:
                path = os.readlink(f"/proc/self/fd/{fd}")
                return "/responses/" in path and path.endswith(".jsonl")
            except OSError:
                return False

        def write(fd, data):
            if refuses(fd):
                raise OSError(self.error, "simulated: " + errno.errorcode[self.error])
            return real_write(fd, data)

        def fdatasync(fd):
            if refuses(fd):
                raise OSError(self.error, "simulated: " + errno.errorcode[self.error])
            return real_sync(fd)

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(os, "fdatasync", fdatasync)


async def tap(app, pilot, key: str, answers: int) -> None:
    await pilot.press(key)
    await wait_until(lambda: taps_taken(app.store) >= answers)
    await wait_until(lambda: isinstance(app.screen, SurveyScreen) and not app.screen._answered)


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EIO])
async def test_taps_wait_in_memory_and_are_written_when_the_disk_is_back(
        config, monkeypatch, error):
    disk = Disk(monkeypatch, error)
    # The back-off stays short however long the disk was broken on a slow runner.
    store = ResponseStore(config.data_dir, retry_seconds=0.05,
                          max_retry_seconds=0.2).open_writer()
    PinVault(config.data_dir).set_pin("2468")
    app = KioskApp(config, store)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(lambda: isinstance(app.screen, SurveyScreen))
            await tap(app, pilot, "5", 1)
            store.wait_idle()
            disk.broken.set()
            for n, key in enumerate("4321", 2):
                await tap(app, pilot, key, n)  # still served, screen by screen
            await wait_until(lambda: store.last_error is not None and store.pending == 4)
            admin = await open_admin(app, pilot, "2468")
            await wait_until(lambda: "4 tap(s) kept in memory" in
                             str(admin.query_one("#store-status").render()))
            assert admin.query_one("#store-status").has_class("-error")  # red
            disk.broken.clear()
            await wait_until(lambda: store.pending == 0,
                             what="the retry to succeed (back-off at most 0.2 s)")
            await wait_until(lambda: not admin.query_one("#store-status").has_class("-error"))
    finally:
        assert store.close() == []
    assert [r.score for r in ResponseStore(config.data_dir).iter_responses()] == [5, 4, 3, 2, 1]


def test_exit_with_the_disk_still_broken_saves_to_a_fallback_file(config, monkeypatch, tmp_path):
    disk = Disk(monkeypatch, errno.ENOSPC)
    store = ResponseStore(config.data_dir, retry_seconds=0.05).open_writer()
    disk.broken.set()
    from tests.store.test_store import make

    taps = [make(3), make(4)]
    for response in taps:
        store.record(response)
    unwritten = store.close(timeout=0.3)
    assert unwritten == taps
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    saved = save_unwritten(unwritten, config.data_dir)
    lines = [json.loads(line) for line in open(saved, encoding="utf-8")]
    assert [line["id"] for line in lines] == [r.id for r in taps]


def test_fallback_goes_elsewhere_when_the_data_dir_is_unwritable(config, monkeypatch, tmp_path):
    from tests.store.test_store import make

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("x")
    saved = save_unwritten([make(2)], blocked)
    assert saved.startswith(str(home))
