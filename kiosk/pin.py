"""The admin PIN: a salted scrypt hash and a lockout that survives restarts.

Files in the data dir (mode 0600, never world-readable):
    admin-pin.json      {"salt": hex, "hash": hex, "n": .., "r": .., "p": ..}
    admin-lockout.json  {"failures": int, "locked_until": epoch seconds}, padded to a
                        fixed size so that it is rewritten in place (no new disk block)
    admin-pin.lock      empty; an exclusive ``fcntl.flock`` on it guards every step

Five wrong PINs lock the screen for 30 s; every further failure doubles it, up to a day.

One lockout for every process and session on the data dir (each browser session of
`kiosk serve` is a process of its own, and the web dashboard calls ``try_pin`` from
threads): read, check and record happen under the exclusive lock, and a try is recorded
as a failure *before* its PIN is checked (a right PIN then clears it).  So at most
``FREE_TRIES`` PINs are ever checked per lockout window, whatever runs at once, and a
process killed mid-check has still spent its try.

The lockout holds whatever happens to its file:
- the disk is full: the file is rewritten in place, inside the block it already has,
  so a full disk still records tries (and staff still get in to see the disk warning);
- the disk refuses to write it all the same (read-only, failing): fail closed.  No PIN
  is checked until the try can be recorded; ``problem`` says so in one line;
- it is deleted (or damaged) while the PIN exists: that counts as a fresh lock, never as
  "no failures" (set_pin always writes both files);
- the clock is set back: a lock never lasts longer than the failures earned
  (locked_until is clamped to now + that lock, at most MAX_LOCK_SECONDS).
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import hmac
import json
import math
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PIN_FILE = "admin-pin.json"
LOCKOUT_FILE = "admin-lockout.json"
LOCK_FILE = "admin-pin.lock"
LOCKOUT_SIZE = 128  # bytes: the JSON padded with spaces, so a rewrite never grows the file
MIN_DIGITS, MAX_DIGITS = 4, 12
FREE_TRIES = 5
FIRST_LOCK_SECONDS = 30.0
MAX_LOCK_SECONDS = 24 * 3600.0
# scrypt cost: ~50 ms here, enough to slow an offline guess of a stolen hash.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class PinError(ValueError):
    """A PIN that does not follow the rules (said as one line)."""


def check_pin_format(pin: str) -> str:
    pin = pin.strip()
    if not pin.isdigit() or not pin.isascii():
        raise PinError("the PIN must be digits only (0-9)")
    if not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise PinError(f"the PIN must have {MIN_DIGITS} to {MAX_DIGITS} digits, got {len(pin)}")
    return pin


@dataclass(frozen=True)
class Attempt:
    ok: bool
    locked_for: float = 0.0  # seconds until the next try is allowed
    tries_left: int = FREE_TRIES
    # Whether the PIN was compared at all: not while locked, and not when the try could
    # not be recorded (the disk refuses the lockout file: ``PinVault.problem`` says why).
    checked: bool = True


class PinVault:
    """The PIN and its lockout in a data dir.  Any number of vaults (processes, threads,
    browser sessions) may use one data dir at once: they share one lockout."""

    def __init__(self, data_dir: str | os.PathLike[str],
                 clock: Callable[[], float] = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.clock = clock
        # Why the last try could not be recorded, as one line for the PIN screen (None: it was).
        self.problem: str | None = None

    @property
    def pin_path(self) -> Path:
        return self.data_dir / PIN_FILE

    @property
    def lockout_path(self) -> Path:
        return self.data_dir / LOCKOUT_FILE

    @property
    def lock_path(self) -> Path:
        return self.data_dir / LOCK_FILE

    def is_set(self) -> bool:
        return self._read_json(self.pin_path) is not None

    def set_pin(self, pin: str) -> None:
        """Raises OSError if the disk refuses the PIN (the caller says so; nothing half-set)."""
        pin = check_pin_format(pin)
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._write_private(self.pin_path, {"salt": salt.hex(), "hash": digest.hex(), **SCRYPT})
            self._write_private(self.lockout_path, {"failures": 0, "locked_until": 0})

    def locked_for(self) -> float:
        """Seconds until a PIN may be tried again (0 when not locked)."""
        try:
            with self._locked():
                state = self._lockout()
        except OSError:
            state = self._lockout(write_back=False)  # try_pin says why, and fails closed
        return max(0.0, state["locked_until"] - self.clock())

    def try_pin(self, pin: str) -> Attempt:
        """Check a PIN, counting failures; while locked nothing is checked.  The try is
        recorded (under the lock shared by every process) before the PIN is looked at;
        when the disk refuses to record it, nothing is checked (``checked`` False,
        ``problem`` says why).  Never raises for a refusing disk."""
        stored = self._read_json(self.pin_path)
        if stored is None:
            return Attempt(ok=False, tries_left=0)
        try:
            with self._locked():
                state = self._lockout()
                now = self.clock()
                wait = state["locked_until"] - now
                if wait > 0:
                    return Attempt(ok=False, locked_for=wait, tries_left=0, checked=False)
                failures = int(state["failures"]) + 1
                seconds = lock_seconds(failures)
                locked_until = now + seconds if seconds else 0.0
                self._record({"failures": failures, "locked_until": locked_until})
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            advice = ("Free space on the data disk." if exc.errno in (errno.ENOSPC, errno.EDQUOT)
                      else f"Check {self.lockout_path.name} in the data dir.")
            self.problem = (f"The PIN lock state cannot be saved ({reason}): no PIN is "
                            f"checked until it can. {advice}")
            return Attempt(ok=False, tries_left=0, checked=False)
        self.problem = None
        if self._matches(pin, stored):
            try:
                with self._locked():
                    self._record({"failures": 0, "locked_until": 0.0})
            except OSError:
                pass  # the try stays counted: stricter, never looser
            return Attempt(ok=True)
        return Attempt(ok=False, locked_for=max(0.0, locked_until - self.clock()),
                       tries_left=max(0, FREE_TRIES - failures))

    # -- state ---------------------------------------------------------------
    @staticmethod
    def _matches(pin: str, stored: dict[str, Any]) -> bool:
        try:
            digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(stored["salt"]),
                                    n=stored["n"], r=stored["r"], p=stored["p"])
            return hmac.compare_digest(digest.hex(), stored["hash"])
        except (KeyError, ValueError, TypeError):
            return False  # a damaged hash file lets nobody in

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The exclusive lock of every vault on this data dir, in any process or thread
        (a flock belongs to one open file: two opens in one process exclude each other
        too).  OSError when it cannot be had."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o600)
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.EACCES, errno.ENOSPC, errno.EDQUOT):
                raise
            fd = os.open(self.lock_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _lockout(self, write_back: bool = True) -> dict[str, float]:
        """The lockout on file, clamped against clock changes (call it under the lock)."""
        state = self._read_json(self.lockout_path)
        failures = state.get("failures") if state else None
        locked_until = state.get("locked_until") if state else None
        if (isinstance(failures, bool) or not isinstance(failures, int) or failures < 0
                or isinstance(locked_until, bool) or not isinstance(locked_until, (int, float))
                or not math.isfinite(locked_until)):
            if state is None and not self.is_set():
                merged = {"failures": 0, "locked_until": 0.0}  # no PIN yet: nothing to guard
            else:
                # Missing, damaged or faked next to a PIN: brute force must not reopen. A
                # fresh lock, written back so that it does not restart on every read.
                merged = {"failures": FREE_TRIES,
                          "locked_until": self.clock() + FIRST_LOCK_SECONDS}
                if write_back:
                    self._record(merged)
        else:
            merged = {"failures": failures, "locked_until": float(locked_until)}
        # A clock set back (or a planted file) must not lock longer than the failures earned.
        longest = self.clock() + lock_seconds(max(int(merged["failures"]), FREE_TRIES))
        merged["locked_until"] = min(merged["locked_until"], longest)
        return merged

    def _record(self, state: dict[str, float]) -> None:
        """Save the lockout durably (OSError if the disk refuses).  In place when the file
        has its fixed size: the bytes go into the block it already holds, so a full disk
        still takes them; otherwise by an atomic replace.  A write torn by a power cut
        reads as damaged, which counts as a fresh lock (never as no failures)."""
        blob = _padded(state)
        try:
            fd = os.open(self.lockout_path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            self._write_private(self.lockout_path, state)
            return
        try:
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_size == LOCKOUT_SIZE:
                os.lseek(fd, 0, os.SEEK_SET)
                view = memoryview(blob)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
                return
        finally:
            os.close(fd)
        self._write_private(self.lockout_path, state)

    # -- files ---------------------------------------------------------------
    @staticmethod
    def _read_json(path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _write_private(path: Path, data: dict[str, Any]) -> None:
        """Atomically: temp file (0600) + fsync + rename + fsync of the directory."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        blob = _padded(data)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            try:
                os.fchmod(fd, 0o600)
                view = memoryview(blob)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        with contextlib.suppress(OSError):
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


def _padded(data: dict[str, Any]) -> bytes:
    """``data`` as JSON, padded with spaces to LOCKOUT_SIZE when it fits (the lockout)."""
    blob = json.dumps(data).encode("utf-8")
    return blob.ljust(LOCKOUT_SIZE - 1) + b"\n" if len(blob) < LOCKOUT_SIZE else blob


def lock_seconds(failures: int) -> float:
    """How long ``failures`` wrong PINs in a row lock the screen (0 below FREE_TRIES)."""
    if failures < FREE_TRIES:
        return 0.0
    return min(FIRST_LOCK_SECONDS * 2.0 ** min(failures - FREE_TRIES, 32), MAX_LOCK_SECONDS)
