"""The admin PIN: a salted scrypt hash and a lockout that survives restarts.

Files in the data dir (mode 0600, never world-readable):
    admin-pin.json      {"salt": hex, "hash": hex, "n": .., "r": .., "p": ..}
    admin-lockout.json  {"failures": int, "locked_until": epoch seconds}

Five wrong PINs lock the screen for 30 s; every further failure doubles it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
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
    def __init__(self, data_dir: str | os.PathLike[str],
                 clock: Callable[[], float] = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.clock = clock

    @property
    def pin_path(self) -> Path:
        return self.data_dir / PIN_FILE

    @property
    def lockout_path(self) -> Path:
        return self.data_dir / LOCKOUT_FILE

    def is_set(self) -> bool:
        return self._read_json(self.pin_path) is not None

    def set_pin(self, pin: str) -> None:
        pin = check_pin_format(pin)
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)
        self._write_private(self.pin_path, {"salt": salt.hex(), "hash": digest.hex(), **SCRYPT})
        self._write_private(self.lockout_path, {"failures": 0, "locked_until": 0})

    def locked_for(self) -> float:
        """Seconds until a PIN may be tried again (0 when not locked)."""
        state = self._lockout()
        locked_until: float = state["locked_until"]
        return max(0.0, locked_until - self.clock())

    def try_pin(self, pin: str) -> Attempt:
        """Check a PIN, counting failures; while locked nothing is checked."""
        stored = self._read_json(self.pin_path)
        if stored is None:
            return Attempt(ok=False, tries_left=0)
        wait = self.locked_for()
        if wait > 0:
            return Attempt(ok=False, locked_for=wait, tries_left=0)
        if self._matches(pin, stored):
            self._write_private(self.lockout_path, {"failures": 0, "locked_until": 0})
            return Attempt(ok=True)
        failures = self._lockout()["failures"] + 1
        locked_until = 0.0
        if failures >= FREE_TRIES:
            seconds = min(FIRST_LOCK_SECONDS * 2 ** (failures - FREE_TRIES), MAX_LOCK_SECONDS)
            locked_until = self.clock() + seconds
        self._write_private(self.lockout_path, {"failures": failures, "locked_until": locked_until})
        return Attempt(ok=False, locked_for=max(0.0, locked_until - self.clock()),
                       tries_left=max(0, FREE_TRIES - failures))

    # -- files ---------------------------------------------------------------
    @staticmethod
    def _matches(pin: str, stored: dict[str, Any]) -> bool:
        try:
            digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(stored["salt"]),
                                    n=stored["n"], r=stored["r"], p=stored["p"])
            return hmac.compare_digest(digest.hex(), stored["hash"])
        except (KeyError, ValueError, TypeError):
            return False  # a damaged hash file lets nobody in

    def _lockout(self) -> dict[str, Any]:
        state = self._read_json(self.lockout_path)
        if state is None:
            return {"failures": 0, "locked_until": 0.0}
        failures = state.get("failures")
        locked_until = state.get("locked_until")
        if (isinstance(failures, bool) or not isinstance(failures, int)
                or not isinstance(locked_until, (int, float))):
            # A damaged (or deleted-and-faked) lockout file must not reopen brute force:
            # it counts as a fresh lock, written back so the lock does not restart forever.
            state = {"failures": FREE_TRIES, "locked_until": self.clock() + FIRST_LOCK_SECONDS}
            self._write_private(self.lockout_path, state)
            return state
        return {"failures": failures, "locked_until": float(locked_until)}

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
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
