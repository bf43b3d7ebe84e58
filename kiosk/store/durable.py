"""Durable files: every file the store writes is written through these helpers.

A file's data is durable once fsynced, its *name* once its directory is
fsynced (tests/powerloss.py keeps only what was made durable): ``write_atomic``
(temp + fsync + rename + directory fsync) replaces a whole file, ``make_dirs``
makes directories that survive a power cut, ``fsync_dir`` makes names durable.
Readers open only regular files, never through a link (``open_regular``), so a
FIFO, a device or a link planted under a day file's name cannot block, never
end or count twice.

Standard library only; no TinyDB, no Textual.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o640  # every file holding answers: no access for others
DIR_MODE = 0o750


def _write_all(fd: int, blob: bytes) -> None:
    """os.write until all of ``blob`` is written (a write may be short)."""
    view = memoryview(blob)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "write made no progress")
        view = view[written:]


def write_atomic(path: Path, blob: bytes, mode: int = FILE_MODE) -> None:
    """Write a whole file via temp + fsync + rename + fsync of the directory,
    so that after a power cut it is either the old or the new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        try:
            os.fchmod(fd, mode)  # a temp file left by a crash keeps its old mode
            _write_all(fd, blob)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


_write_atomic = write_atomic  # the name kiosk/store/response_store.py imports


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, not followed
    through a link: a FIFO, a link to /dev/zero or to another day file
    planted under a name the kiosk reads would block, never end, or count
    twice.  Raises ``OSError`` otherwise (``IsADirectoryError`` for a folder)."""
    def opener(name: str, flags: int) -> int:
        return os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)

    try:
        handle = open(path, "rb", opener=opener)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "not a regular file (a link)", str(path)) from None
        raise
    try:
        mode = os.fstat(handle.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe or a device)", str(path))
        return handle
    except BaseException:
        handle.close()
        raise


def read_regular(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file (``open_regular``)."""
    with open_regular(path) as handle:
        return handle.read()


def _still_named(fd: int, path: Path) -> None:
    """Raise ``OSError`` unless ``path`` still names the open file ``fd``: bytes
    synced into a file that was deleted or moved away (``rm -rf`` of the data
    dir, a rename) are not where any reader will look: not durable."""
    held = os.fstat(fd)
    try:
        named = os.stat(path)
    except FileNotFoundError:
        named = None
    if named is None or (named.st_dev, named.st_ino) != (held.st_dev, held.st_ino):
        raise OSError(errno.ESTALE, "the file was moved or deleted while open", str(path))


def refuse_unless_regular(path: Path) -> None:
    """Raise ``OSError`` when ``path`` exists and is not a regular file: a FIFO
    would block the writer forever, a device or a link write elsewhere."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file (a link, a pipe, a device or a "
                      "directory): move it away", str(path))


def fsync_dir(directory: Path) -> None:
    """Make the names in ``directory`` durable: a new or renamed file survives
    a power cut only once its directory is fsynced.  Raises ``OSError``."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(directory: Path) -> None:
    """``mkdir -p`` whose new directories survive a power cut (each one's
    parent is fsynced after it is made)."""
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process
        fsync_dir(path.parent)
