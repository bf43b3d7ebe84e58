"""One PIN lockout across processes (issue 22 point 12): ten real processes try wrong PINs
at the same instant (a barrier), as ten browser sessions of `kiosk serve` do; at most five
PINs are checked.  And on a real full file system (a small tmpfs, when root): tries are
still recorded in place; a lockout that cannot be recorded checks no PIN at all."""
from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.pin import FREE_TRIES, PinVault

PIN = "2468"
SESSIONS = 10


def _session(data_dir: str, log: str, barrier, pin: str) -> None:
    """One session's process: wait for the others, then try ``pin`` once.  Every PIN the
    vault really compares is logged (one line, O_APPEND), whatever the vault reports."""
    real_matches = PinVault._matches

    def logged(tried: str, stored: dict) -> bool:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"checked\n")
        finally:
            os.close(fd)
        return real_matches(tried, stored)

    PinVault._matches = staticmethod(logged)  # type: ignore[method-assign]
    vault = PinVault(data_dir)
    barrier.wait(timeout=60)
    attempt = vault.try_pin(pin)
    with open(log + ".results", "a", encoding="utf-8") as out:
        out.write(json.dumps({"ok": attempt.ok, "checked": attempt.checked,
                              "problem": vault.problem}) + "\n")


def run_sessions(data_dir: Path, log: Path, count: int = SESSIONS, pin: str = "0000"
                 ) -> tuple[int, list[dict]]:
    """(PINs compared, each process's result) for ``count`` processes trying at once."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(count)
    workers = [context.Process(target=_session, args=(str(data_dir), str(log), barrier, pin))
               for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    checked = log.read_text().count("checked") if log.exists() else 0
    results = [json.loads(line) for line in Path(f"{log}.results").read_text().splitlines()]
    assert len(results) == count
    return checked, results


def test_ten_processes_at_once_check_at_most_five_pins(tmp_path):
    data = tmp_path / "data"
    PinVault(data).set_pin(PIN)
    checked, results = run_sessions(data, tmp_path / "log")
    assert checked == FREE_TRIES  # without the lock all ten were checked
    assert sum(result["checked"] for result in results) == FREE_TRIES
    assert json.loads(PinVault(data).lockout_path.read_text())["failures"] == FREE_TRIES
    assert PinVault(data).locked_for() > 0
    # a new session (another process) gets no fresh tries, not even with the right PIN
    checked_after, results = run_sessions(data, tmp_path / "log2", count=2, pin=PIN)
    assert checked_after == 0 and not any(result["ok"] for result in results)


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str = "256k") -> Iterator[Path]:
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the ENOSPC injected at os.write "
                    "is tests/test_pin_disk.py)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                           str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path) -> None:
    """Write until the file system says ENOSPC (then it is really full)."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:
            try:
                os.write(fd, b"x" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    finally:
        os.close(fd)
    with pytest.raises(OSError) as refused:
        (directory / "probe").write_bytes(b"y" * 8192)
    assert refused.value.errno == errno.ENOSPC


def test_on_a_really_full_disk_tries_are_recorded_in_place(tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        data = disk / "data"
        PinVault(data).set_pin(PIN)
        fill(disk)
        checked, results = run_sessions(data, tmp_path / "log")
        assert checked == FREE_TRIES
        assert all(result["problem"] is None for result in results)
        assert json.loads(PinVault(data).lockout_path.read_text())["failures"] == FREE_TRIES


def test_on_a_really_full_disk_an_unrecordable_lockout_checks_no_pin(tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        data = disk / "data"
        PinVault(data).set_pin(PIN)
        PinVault(data).lockout_path.unlink()  # lost: it must be written anew to count tries
        fill(disk)
        checked, results = run_sessions(data, tmp_path / "log", pin=PIN)
        assert checked == 0 and not any(result["ok"] or result["checked"] for result in results)
        assert all("No space left on device" in result["problem"] for result in results)
        assert not list(data.glob(".*.tmp"))
        (disk / "filler").unlink()  # space again: a try is recorded, then checked
        assert PinVault(data).locked_for() > 0  # the lost file counts as a fresh lock


def test_threads_of_one_process_share_the_lockout_too(tmp_path):
    """The web dashboard calls try_pin from worker threads: the flock is taken per open,
    so threads exclude each other as processes do."""
    vault = PinVault(tmp_path)
    vault.set_pin(PIN)
    checked: list[str] = []
    real_matches = PinVault._matches
    barrier = threading.Barrier(SESSIONS)

    def matches(tried: str, stored: dict) -> bool:
        checked.append(tried)
        return real_matches(tried, stored)

    def session() -> None:
        barrier.wait(timeout=60)
        PinVault(tmp_path).try_pin("0000")

    PinVault._matches = staticmethod(matches)  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=session) for _ in range(SESSIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        PinVault._matches = staticmethod(real_matches)  # type: ignore[method-assign]
    assert len(checked) == FREE_TRIES


def _killed_mid_check(data_dir: str, ready) -> None:
    def hang(tried: str, stored: dict) -> bool:
        ready.set()
        threading.Event().wait()  # killed here, while "checking"
        return False

    PinVault._matches = staticmethod(hang)  # type: ignore[method-assign]
    PinVault(data_dir).try_pin("0000")


def test_a_session_killed_while_its_pin_is_checked_has_spent_its_try(tmp_path):
    PinVault(tmp_path).set_pin(PIN)
    context = multiprocessing.get_context("fork")
    for _ in range(FREE_TRIES):
        ready = context.Event()
        worker = context.Process(target=_killed_mid_check, args=(str(tmp_path), ready))
        worker.start()
        assert ready.wait(60)
        worker.kill()
        worker.join(timeout=60)
    assert json.loads(PinVault(tmp_path).lockout_path.read_text())["failures"] == FREE_TRIES
    assert PinVault(tmp_path).try_pin(PIN).checked is False  # locked: killing buys nothing
