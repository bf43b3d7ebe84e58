"""The admin PIN: a salted scrypt hash and a lockout that survives restarts.

Files in the data dir (mode 0600, never world-readable):
    admin-pin.json      {"salt": hex, "hash": hex, "n": .., "r": .., "p": ..}
    admin-lockout.json  {"failures": int, "locked_until": epoch seconds}

Five wrong PINs lock the screen for 30 s; every further failure doubles it, up to a day.

The lockout holds whatever happens to its file:
- the disk refuses to write it (full, read-only, failing): the vault keeps the state in
  memory for the running process, counts and locks as usual, and says so in ``problem``;
- it is deleted (or damaged) while the PIN exists: that counts as a fresh lock, never as
  "no failures" (set_pin always writes both files);
- the clock is set back: a lock never lasts longer than the failures earned
  (locked_until is clamped to now + that lock, at most MAX_LOCK_SECONDS).
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PIN_FILE = "admin-pin.json"
LOCKOUT_FILE = "admin-lockout.json"
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


class PinVault:
    """One per process (the app keeps it), so the in-memory lockout outlives a PIN screen."""

    def __init__(self, data_dir: str | os.PathLike[str],
                 clock: Callable[[], float] = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.clock = clock
        # The lockout as this process last decided it: it still holds when the disk refuses it.
        self._memory: dict[str, float] = {"failures": 0, "locked_until": 0.0}
        # Why the lockout could not be saved, as one line for the PIN screen (None: saved).
        self.problem: str | None = None

    @property
    def pin_path(self) -> Path:
        return self.data_dir / PIN_FILE

    @property
    def lockout_path(self) -> Path:
        return self.data_dir / LOCKOUT_FILE

    def is_set(self) -> bool:
        return self._read_json(self.pin_path) is not None

    def set_pin(self, pin: str) -> None:
        """Raises OSError if the disk refuses the PIN (the caller says so; nothing half-set)."""
        pin = check_pin_format(pin)
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)
        self._write_private(self.pin_path, {"salt": salt.hex(), "hash": digest.hex(), **SCRYPT})
        self._memory = {"failures": 0, "locked_until": 0.0}
        self._write_private(self.lockout_path, {"failures": 0, "locked_until": 0})

    def locked_for(self) -> float:
        """Seconds until a PIN may be tried again (0 when not locked)."""
        state = self._lockout()
        return max(0.0, state["locked_until"] - self.clock())

    def try_pin(self, pin: str) -> Attempt:
        """Check a PIN, counting failures; while locked nothing is checked.  Never raises
        for a disk that refuses the lockout file (see ``problem``)."""
        stored = self._read_json(self.pin_path)
        if stored is None:
            return Attempt(ok=False, tries_left=0)
        wait = self.locked_for()
        if wait > 0:
            return Attempt(ok=False, locked_for=wait, tries_left=0)
        if self._matches(pin, stored):
            self._save({"failures": 0, "locked_until": 0.0})
            return Attempt(ok=True)
        failures = int(self._lockout()["failures"]) + 1
        seconds = lock_seconds(failures)
        locked_until = self.clock() + seconds if seconds else 0.0
        self._save({"failures": failures, "locked_until": locked_until})
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

    def _lockout(self) -> dict[str, float]:
        """The stricter of the file and this process's memory, clamped against clock changes."""
        state = self._read_json(self.lockout_path)
        failures = state.get("failures") if state else None
        locked_until = state.get("locked_until") if state else None
        if (isinstance(failures, bool) or not isinstance(failures, int) or failures < 0
                or isinstance(locked_until, bool) or not isinstance(locked_until, (int, float))
                or not math.isfinite(locked_until)):
            if state is None and not self.is_set():
                on_disk = {"failures": 0, "locked_until": 0.0}  # no PIN yet: nothing to guard
            else:
                # Missing, damaged or faked next to a PIN: brute force must not reopen. A
                # fresh lock, written back so that it does not restart on every read.
                on_disk = {"failures": FREE_TRIES, "locked_until": self.clock() + FIRST_LOCK_SECONDS}
                remembered = self._memory
                self._save(on_disk)
                self._memory = remembered
        else:
            on_disk = {"failures": failures, "locked_until": float(locked_until)}
        merged = {"failures": max(on_disk["failures"], self._memory["failures"]),
                  "locked_until": max(on_disk["locked_until"], self._memory["locked_until"])}
        # A clock set back (or a planted file) must not lock longer than the failures earned.
        longest = self.clock() + lock_seconds(max(int(merged["failures"]), FREE_TRIES))
        merged["locked_until"] = min(merged["locked_until"], longest)
        return merged

    def _save(self, state: dict[str, float]) -> None:
        self._memory = dict(state)
        try:
            self._write_private(self.lockout_path, state)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self.problem = (f"The PIN lock state could not be saved ({reason}); "
                            "it holds until the kiosk restarts.")
        else:
            self.problem = None

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
        blob = json.dumps(data).encode("utf-8")
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


def lock_seconds(failures: int) -> float:
    """How long ``failures`` wrong PINs in a row lock the screen (0 below FREE_TRIES)."""
    if failures < FREE_TRIES:
        return 0.0
    return min(FIRST_LOCK_SECONDS * 2.0 ** min(failures - FREE_TRIES, 32), MAX_LOCK_SECONDS)
