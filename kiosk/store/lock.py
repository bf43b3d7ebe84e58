"""The one-writer rule for a data dir.

The lock is an exclusive ``flock`` on the data directory itself, not on a lock
file: someone "cleaning a stale lock" can delete ``kiosk.lock`` but not a
directory that holds data, so a second writer stays out.  ``kiosk.lock`` only
carries the holder's pid, for the refusal message.
"""
from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

LOCK_FILE = "kiosk.lock"
PID_MODE = 0o640


class StoreLocked(Exception):
    """Another process is already writing to this data dir."""


def lock_data_dir(data_dir: Path, advice: str) -> int:
    """Take ``data_dir``'s writer lock and return the descriptor holding it
    (closing it releases the lock).  Raises ``StoreLocked`` naming the holder's
    pid, with ``advice`` for the person, when another process holds it."""
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreLocked(f"{data_dir}: another kiosk (pid {_holder(data_dir)}) is already "
                          f"recording here; {advice}") from None
    except BaseException:
        os.close(fd)
        raise
    try:
        _write_pid(data_dir / LOCK_FILE)
    except OSError:
        pass  # a read-only disk: the lock holds without the pid, taps wait in memory
    return fd


def check_lock_holds(data_dir: Path, fd: int) -> None:
    """Raise ``OSError`` unless ``data_dir`` is still the directory locked
    through ``fd``: once it was moved or deleted, whatever now stands at that
    path is not ours to write (a second kiosk may hold it)."""
    held = os.fstat(fd)
    try:
        named = os.stat(data_dir)
    except FileNotFoundError:
        named = None
    if named is None or (named.st_dev, named.st_ino) != (held.st_dev, held.st_ino):
        raise OSError(errno.ESTALE, "the data dir was moved or deleted while the kiosk ran; "
                      "restart the kiosk", str(data_dir))


def _write_pid(path: Path) -> None:
    # Never through a link planted under the name: it would truncate its target.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK
                 | os.O_CLOEXEC, PID_MODE)
    try:
        os.write(fd, str(os.getpid()).encode())
    finally:
        os.close(fd)


def _holder(data_dir: Path) -> str:
    try:
        with open(data_dir / LOCK_FILE, "rb") as handle:
            pid = handle.read(64).decode(errors="replace").strip()
    except OSError:
        pid = ""
    return pid if pid.isdigit() else "unknown"
