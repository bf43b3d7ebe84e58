"""Attacks on the storage side (issue 13): each test reproduces a fault found by
attacking the landed store, and fails without its fix."""
from __future__ import annotations

import errno
import os
from datetime import datetime, timezone

import kiosk.storage
from kiosk.models import Response, new_response_id
from kiosk.store import ResponseStore

UTC = timezone.utc
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make(when: datetime = NOON, score: int = 4, response_id: str | None = None) -> Response:
    return Response(id=response_id or new_response_id(), timestamp=when, kiosk="k",
                    question="q", score=score, label=f"L{score}", language="en")


def writer(tmp_path, now: datetime = NOON, **kwargs) -> ResponseStore:
    return ResponseStore(tmp_path, tz="UTC", clock=lambda: now, **kwargs).open_writer()


def stored_ids(tmp_path) -> list[str]:
    return [r.id for r in ResponseStore(tmp_path, tz="UTC").iter_responses()]


def test_a_tap_whose_fsync_failed_and_could_not_be_cut_back_is_stored_once(tmp_path, monkeypatch):
    """EIO from fdatasync, then EIO from the ftruncate that should cut the line
    back: the line stays in the file, the writer retries the tap on a freshly
    (lazily) opened day file.  The retry must find the id already there."""
    first = make(score=5)
    store = writer(tmp_path, retry_seconds=0.01)
    assert store.record(first).wait(5)
    real_fdatasync, real_ftruncate = os.fdatasync, os.ftruncate
    faults = {"fdatasync": 1, "ftruncate": 1}

    def failing_fdatasync(fd):
        if faults["fdatasync"]:
            faults["fdatasync"] -= 1
            raise OSError(errno.EIO, "simulated EIO on fdatasync")
        return real_fdatasync(fd)

    def failing_ftruncate(fd, length):
        if faults["ftruncate"]:
            faults["ftruncate"] -= 1
            raise OSError(errno.EIO, "simulated EIO on ftruncate")
        return real_ftruncate(fd, length)

    monkeypatch.setattr(os, "fdatasync", failing_fdatasync)
    monkeypatch.setattr(os, "ftruncate", failing_ftruncate)
    second = make(score=2)
    assert store.record(second).wait(5)
    assert faults == {"fdatasync": 0, "ftruncate": 0}
    store.close()
    ids = stored_ids(tmp_path)
    assert sorted(ids) == sorted([first.id, second.id]), ids
