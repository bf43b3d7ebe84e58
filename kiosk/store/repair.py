"""Repairing a journal: damaged lines moved aside, good lines kept, crash-safe.

A kill can only tear a journal's last line; a disk or a hand can garble any
line.  Reopening for writing puts the bad bytes durably into
``<file>.damaged-<stamp>`` (one copy, however often a repair is retried) and
then either cuts the torn tail off or rewrites the good lines atomically.

Imports only the journal format and the durable-file helpers.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.store.durable import open_regular, write_atomic
from kiosk.store.journal import TAIL_BYTES, Damage, _encode


def cut_torn_tail(path: Path) -> Damage | None:
    """A lazy open after a crash: move a torn last line aside and cut it off
    without parsing the file (the whole parse of a 300k-row day would delay
    the first tap by seconds).  Only the fragment after the last newline
    is touched: one write per line means it is the only torn one; the
    lines before it are judged by the tail parse (or a whole parse)."""
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            start = max(0, size - TAIL_BYTES)
            handle.seek(start)
            blob = handle.read()
    except FileNotFoundError:
        return None
    if not blob or blob.endswith(b"\n"):
        return None
    newline = blob.rfind(b"\n")
    if newline < 0 and start:
        return None  # a fragment longer than the tail: the whole parse judges it
    good_length = start + newline + 1
    fragment = blob[newline + 1:]
    return move_aside_and_cut(path, [fragment], good_length)


def repair(path: Path, entries: list[dict[str, Any]], bad: list[bytes], good_length: int,
           total: int) -> Damage:
    """Move bad lines aside, keep good ones; both steps are crash-safe."""
    if len(bad) == 1 and good_length < total:
        # Everything before the last newline parsed: just cut the tail off.
        return move_aside_and_cut(path, bad, good_length)
    aside = put_aside(path, bad)
    write_atomic(path, b"".join(_encode(e) for e in entries))
    return Damage(path, len(bad), aside)


def put_aside(path: Path, bad: list[bytes]) -> Path:
    """The bad lines, durably in ``<file>.damaged-<stamp>`` (one copy)."""
    damaged = b"\n".join(bad) + b"\n"
    aside = moved_aside(path, damaged)
    if aside is None:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        aside = path.with_name(f"{path.name}.damaged-{stamp}")
    write_atomic(aside, damaged)
    return aside


def move_aside_and_cut(path: Path, bad: list[bytes], good_length: int) -> Damage:
    """Put the torn tail aside (durable first, name included), then cut it off."""
    aside = put_aside(path, bad)
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, good_length)
        os.fsync(fd)
    finally:
        os.close(fd)
    return Damage(path, len(bad), aside)


def moved_aside(path: Path, damaged: bytes) -> Path | None:
    """The part an earlier, interrupted repair already moved aside with
    these very bytes (one copy for staff, however often a repair is retried)."""
    prefix = f"{path.name}.damaged-"
    for sibling in path.parent.iterdir():
        if sibling.name.startswith(prefix) and not sibling.name.endswith(".tmp"):
            try:
                if sibling.stat().st_size == len(damaged) and sibling.read_bytes() == damaged:
                    return sibling
            except OSError:
                continue
    return None
