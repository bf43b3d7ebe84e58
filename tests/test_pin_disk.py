"""The PIN lockout on a full, read-only or failing disk, after its file is deleted and
after a clock change (issue 13 points 1 and 12).  Faults are raised at os.open /
os.write / os.fsync, under the vault, so its own handling runs."""
from __future__ import annotations

import errno
import fcntl
import json
import os
from pathlib import Path

import pytest

from kiosk.pin import FIRST_LOCK_SECONDS, MAX_LOCK_SECONDS, PinVault
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.admin import AdminScreen
from kiosk.ui.screens.pin import PinScreen
from kiosk.ui.screens.survey import SurveyScreen
from tests.conftest import open_admin, wait_until

PIN = "2468"
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


class BrokenDisk:
    """While ``on``, every write under ``root`` fails with ``error`` at ``at``
    (os.open for writing, os.write or os.fsync), as the kernel would report it.
    ``at="grow"`` is a full disk as it really behaves: only a write that needs a new
    block (one that grows a file) fails; rewriting bytes a file already has succeeds."""

    def __init__(self, monkeypatch, root: Path, error: int, at: str) -> None:
        self.on = False
        fds: set[int] = set()
        real_open, real_write, real_fsync, real_close = os.open, os.write, os.fsync, os.close
        root = Path(root).resolve()

        def under(path) -> bool:
            try:
                return Path(os.fsdecode(path)).resolve().is_relative_to(root)
            except (TypeError, ValueError):
                return False

        def fail(*_args):
            raise OSError(error, os.strerror(error))

        def fake_open(path, flags, mode=0o777, *, dir_fd=None):
            inside = under(path)
            if self.on and at == "open" and inside and flags & WRITE_FLAGS:
                fail()
            fd = real_open(path, flags, mode, dir_fd=dir_fd)
            if inside:
                fds.add(fd)
            return fd

        def fake_write(fd, data):
            if self.on and at == "write" and fd in fds:
                fail()
            if self.on and at == "grow" and fd in fds and len(data):
                appending = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND
                if appending or os.lseek(fd, 0, os.SEEK_CUR) + len(data) > os.fstat(fd).st_size:
                    fail()
            return real_write(fd, data)

        def fake_fsync(fd):
            if self.on and at == "fsync" and fd in fds:
                fail()
            return real_fsync(fd)

        def fake_close(fd):
            fds.discard(fd)
            return real_close(fd)

        monkeypatch.setattr(os, "open", fake_open)
        monkeypatch.setattr(os, "write", fake_write)
        monkeypatch.setattr(os, "fsync", fake_fsync)
        monkeypatch.setattr(os, "close", fake_close)


FAULTS = [(errno.ENOSPC, "write"), (errno.EROFS, "open"), (errno.EIO, "fsync")]


@pytest.mark.parametrize("error,at", FAULTS, ids=[f"{errno.errorcode[e]}@{a}" for e, a in FAULTS])
def test_a_disk_refusing_the_lockout_fails_closed(tmp_path, monkeypatch, error, at):
    """Issue 22 point 12: a lockout kept only in one process's memory gave every new
    browser session five fresh tries.  Now no PIN is checked until the try is recorded."""
    now = [1_000_000.0]
    vault = PinVault(tmp_path, clock=lambda: now[0])
    vault.set_pin(PIN)
    checked: list[str] = []
    real_matches = PinVault._matches
    monkeypatch.setattr(PinVault, "_matches", staticmethod(
        lambda pin, stored: checked.append(pin) or real_matches(pin, stored)))
    disk = BrokenDisk(monkeypatch, tmp_path, error, at)
    disk.on = True
    for _ in range(8):
        attempt = vault.try_pin("0000")  # never raises
        # not checked; or (EIO at fsync: the bytes reached the cache) locked: never checked
        assert not attempt.ok and not attempt.checked
        assert attempt.tries_left == 0
    assert vault.try_pin(PIN).ok is False  # not even the right PIN: nothing is checked
    assert checked == []
    assert vault.problem is not None and os.strerror(error) in vault.problem
    assert "no PIN is checked" in vault.problem and "\n" not in vault.problem
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left behind
    # another session (a new vault, as a new browser session's process) gets no tries either
    assert PinVault(tmp_path, clock=lambda: now[0]).try_pin(PIN).checked is False
    disk.on = False
    now[0] += MAX_LOCK_SECONDS + 1
    assert vault.try_pin(PIN).ok and vault.problem is None  # recorded again, then checked
    assert vault.try_pin("0000").checked
    assert json.loads(vault.lockout_path.read_text())["failures"] == 1


def test_a_full_disk_still_records_tries_in_place(tmp_path, monkeypatch):
    """A full disk refuses new blocks, not a rewrite of the lockout's own bytes: tries
    are recorded (shared by every session) and staff still get in."""
    now = [1_000_000.0]
    vault = PinVault(tmp_path, clock=lambda: now[0])
    vault.set_pin(PIN)
    disk = BrokenDisk(monkeypatch, tmp_path, errno.ENOSPC, "grow")
    disk.on = True
    for tries_left in (4, 3, 2, 1):
        attempt = PinVault(tmp_path, clock=lambda: now[0]).try_pin("0000")  # new sessions
        assert attempt.checked and not attempt.ok and attempt.tries_left == tries_left
    assert vault.try_pin("0000").locked_for == pytest.approx(FIRST_LOCK_SECONDS)
    assert PinVault(tmp_path, clock=lambda: now[0]).try_pin(PIN).ok is False  # locked for all
    assert json.loads(vault.lockout_path.read_text())["failures"] == 5
    now[0] += FIRST_LOCK_SECONDS + 1
    assert vault.try_pin(PIN).ok and vault.problem is None


def test_deleting_the_lockout_file_does_not_reopen_brute_force(tmp_path):
    now = [1_000_000.0]
    vault = PinVault(tmp_path, clock=lambda: now[0])
    vault.set_pin(PIN)
    for _ in range(5):
        vault.try_pin("0000")
    vault.lockout_path.unlink()
    restarted = PinVault(tmp_path, clock=lambda: now[0])  # another process, or a restart
    assert restarted.locked_for() == pytest.approx(FIRST_LOCK_SECONDS)
    assert restarted.try_pin(PIN).ok is False
    assert vault.try_pin(PIN).ok is False  # the running one still holds its lock too
    assert restarted.lockout_path.exists()  # written back: the lock does not restart forever
    now[0] += FIRST_LOCK_SECONDS + 1
    assert restarted.try_pin(PIN).ok


def test_a_clock_set_back_does_not_lengthen_the_lock(tmp_path):
    year = 365 * 24 * 3600.0
    now = [2_000_000_000.0]
    vault = PinVault(tmp_path, clock=lambda: now[0])
    vault.set_pin(PIN)
    for _ in range(5):
        vault.try_pin("0000")
    now[0] -= year  # the clock was a year fast and is corrected
    assert 0 < vault.locked_for() <= FIRST_LOCK_SECONDS
    assert PinVault(tmp_path, clock=lambda: now[0]).locked_for() <= FIRST_LOCK_SECONDS


def test_a_planted_far_future_lock_is_bounded_by_the_maximum(tmp_path):
    vault = PinVault(tmp_path, clock=lambda: 1_000_000.0)
    vault.set_pin(PIN)
    vault.lockout_path.write_text(json.dumps({"failures": 99, "locked_until": 1e15}))
    assert vault.locked_for() == MAX_LOCK_SECONDS
    vault.lockout_path.write_text(json.dumps({"failures": 5, "locked_until": 1e300}))
    assert vault.locked_for() == FIRST_LOCK_SECONDS


async def test_full_disk_pin_screen_says_so_and_the_admin_warning_is_reachable(
        config, store, monkeypatch):
    """The original crash: a full disk, then any PIN raised OSError on the counter."""
    PinVault(config.data_dir).set_pin(PIN)
    disk = BrokenDisk(monkeypatch, config.data_dir, errno.ENOSPC, "grow")  # a really full disk
    app = KioskApp(config, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        disk.on = True
        await pilot.press("5")  # the tap cannot be written either: kept in memory
        await wait_until(lambda: store.last_error is not None, what="the store's disk error")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen)
                         and not app.screen._answered)
        await pilot.press("f12")
        await wait_until(lambda: isinstance(app.screen, PinScreen))
        await pilot.press(*"0000", "enter")
        note = app.screen.query_one("#pin-message")
        # the try is recorded in place, full disk or not: counted as usual
        await wait_until(lambda: "Wrong PIN. 4 tries" in str(note.render()),
                         what=lambda: str(note.render()))
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        admin = await open_admin(app, pilot, PIN)
        assert isinstance(admin, AdminScreen)
        await wait_until(lambda: admin.query_one("#store-status").has_class("-error"),
                         what="the red disk warning")
    disk.on = False


def test_set_pin_on_a_full_disk_is_one_line(tmp_path, monkeypatch, capsys):
    import io

    from kiosk.cli import main
    from tests.test_process import ROOT

    data = tmp_path / "data"
    data.mkdir()
    BrokenDisk(monkeypatch, data, errno.ENOSPC, "fsync").on = True  # after the dir probe
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))
    assert main(["set-pin", "--config", str(ROOT / "config.toml"), "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "kiosk set-pin: cannot write the PIN" in err and "No space left" in err
    assert err.count("\n") == 1


def test_a_lockout_file_replaced_by_a_directory_checks_no_pin(tmp_path):
    """Not a full disk but the same rule: a lockout that cannot be written checks nothing,
    and the line does not tell staff to free space."""
    vault = PinVault(tmp_path)
    vault.set_pin(PIN)
    vault.lockout_path.unlink()
    vault.lockout_path.mkdir()
    attempt = vault.try_pin(PIN)
    assert not attempt.ok and not attempt.checked
    assert vault.problem is not None and "admin-lockout.json" in vault.problem
    assert "Free space" not in vault.problem and "\n" not in vault.problem
