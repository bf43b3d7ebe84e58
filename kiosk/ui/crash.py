"""What happens when the kiosk hits a bug: a plain line for the customer, the traceback
in a private log file for staff, and a non-zero exit so the supervisor restarts it.

Textual's own crash report prints the locals of every frame (a typed PIN, the salt and
hash of the stored one): it must never reach the counter's screen."""
from __future__ import annotations

import os
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

CRASH_EXIT = 1  # not 2 (a person's mistake): systemd's Restart=on-failure restarts on it
CUSTOMER_MESSAGE = "The kiosk hit an error and restarts. Please wait a moment."


def write_crash_log(error: BaseException, folders: list[Path]) -> Path | None:
    """Write ``error``'s traceback (no locals) to a new 0600 file in the first folder that
    takes it, the system's temp dir last; None if none can."""
    text = "".join(traceback.format_exception(error))
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}.log"
    for folder in [*folders, Path(tempfile.gettempdir())]:
        path = folder / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except (OSError, ValueError):
            continue
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            return path
        except OSError:
            continue  # a full disk: try the next place
    return None


def customer_line(log: Path | None) -> str:
    if log is None:
        return CUSTOMER_MESSAGE
    return f"{CUSTOMER_MESSAGE}\n(For staff: details in {log}.)"


class PlainCrash:
    """Mixin for a Textual App that has ``config``: an unhandled exception ends the app
    with ``return_code`` 1, the traceback in ``crash-*.log`` in the data dir and only a
    plain line on the terminal.

    Textual has no public hook for this (Textualize/textual#2818): every unhandled
    exception goes through ``App._handle_exception``, so that is where it is caught.
    Textual still does everything else it does on a crash (stop the app, re-raise in
    ``run_test``); only its report, with the locals, is replaced."""

    crash_log: Path | None = None
    _exit_renderables: list[Any]
    config: Any

    def _handle_exception(self, error: Exception) -> None:
        first = not hasattr(self, "_crashed")
        self._crashed = True
        if first:
            self.crash_log = write_crash_log(error, [Path(self.config.data_dir)])
        super()._handle_exception(error)  # type: ignore[misc]
        self._exit_renderables[:] = [customer_line(self.crash_log)]
