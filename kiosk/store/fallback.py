"""The last resort on exit: taps the store could not write go to a file that
``kiosk import`` takes back (idempotently, by id)."""
from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from kiosk.models import Response

PREFIX = "unsaved-responses-"
SUFFIX = ".jsonl"
# Only the owner may read it (it holds answers and comments); never through a
# symlink someone planted under the predictable name (it may land in /tmp).
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
MODE = 0o600


def save_unwritten(responses: Iterable[Response], data_dir: Path) -> str:
    """Write ``responses`` as JSON lines (``Response.to_doc()``) into the data dir,
    else the home dir, else /tmp; returns where (or says standard error when no
    place was writable, and writes them there)."""
    lines = "".join(json.dumps(r.to_doc(), ensure_ascii=False) + "\n" for r in responses)
    stamp = date.today().isoformat()
    for folder in (data_dir, Path.home(), Path("/tmp")):
        for attempt in range(10):
            tail = f"-{attempt}" if attempt else ""
            target = folder / f"{PREFIX}{stamp}-{os.getpid()}{tail}{SUFFIX}"
            try:
                _write_new(target, lines.encode("utf-8"))
                return str(target)
            except FileExistsError:
                continue  # an earlier save of this process, or a planted name
            except OSError as exc:
                if exc.errno == errno.ELOOP:  # a symlink under that name
                    continue
                break  # this folder is not writable: the next one
    sys.stderr.write(lines)
    return "standard error (no writable place found)"


def _write_new(target: Path, data: bytes) -> None:
    fd = os.open(target, _FLAGS, MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        target.unlink(missing_ok=True)  # nothing half-written left behind
        raise
    os.close(fd)
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # the file itself is durable; its name may need the directory's next sync
    finally:
        os.close(fd)
