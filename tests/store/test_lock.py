"""The one-writer rule (kiosk/store/lock.py), with real processes: deleting kiosk.lock
("cleaning a stale lock") does not let a second writer in."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.store.lock import LOCK_FILE, StoreLocked, lock_data_dir
from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parents[2]

FIRST = """
import sys
from kiosk.store.response_store import ResponseStore
store = ResponseStore(sys.argv[1]).open_writer()
print("recording", flush=True)
sys.stdin.readline()  # hold the lock until the test says so
store.close()
"""

SECOND = """
import sys
from kiosk.models import Response, local_now
from kiosk.store.response_store import ResponseStore, StoreLocked
try:
    store = ResponseStore(sys.argv[1]).open_writer()
except StoreLocked as exc:
    print("refused:", exc)
    raise SystemExit(2)
store.record(Response(id="second-writer", timestamp=local_now(), kiosk="k2", question="q",
                      score=1, label="x", language="en"))
store.close()
print("wrote")
"""


def test_removing_kiosk_lock_does_not_let_a_second_writer_in(tmp_path):
    first = subprocess.Popen([sys.executable, "-c", FIRST, str(tmp_path)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "recording"
        (tmp_path / LOCK_FILE).unlink()  # someone "cleans a stale lock"
        second = subprocess.run([sys.executable, "-c", SECOND, str(tmp_path)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    finally:
        first.stdin.close()
        first.wait(timeout=60)
    assert second.returncode == 2, second.stdout + second.stderr
    assert second.stdout.startswith("refused:") and "already recording" in second.stdout
    assert [r.id for r in ResponseStore(tmp_path).iter_responses()] == []  # refused before writing
    # the lock goes with the first process: the next writer gets in
    again = subprocess.run([sys.executable, "-c", SECOND, str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert again.stdout.strip() == "wrote", again.stderr
    assert (tmp_path / LOCK_FILE).read_text().isdigit()  # the new holder's pid


def test_the_refusal_names_the_holder_and_a_missing_pid_file_says_unknown(tmp_path):
    fd = lock_data_dir(tmp_path, "stop it first")
    try:
        assert (tmp_path / LOCK_FILE).read_text() == str(os.getpid())
        with pytest.raises(StoreLocked, match=rf"pid {os.getpid()}\) .*; stop it first"):
            lock_data_dir(tmp_path, "stop it first")
        (tmp_path / LOCK_FILE).unlink()
        with pytest.raises(StoreLocked, match=r"pid unknown"):
            lock_data_dir(tmp_path, "stop it first")
    finally:
        os.close(fd)
    os.close(lock_data_dir(tmp_path, "stop it first"))  # free once released


def test_the_lock_holds_on_a_read_only_pid_file(tmp_path):
    (tmp_path / LOCK_FILE).write_text("")
    (tmp_path / LOCK_FILE).chmod(0o400)
    if os.access(tmp_path / LOCK_FILE, os.W_OK):
        pytest.skip("running as root: permissions are not enforced")
    fd = lock_data_dir(tmp_path, "x")
    try:
        with pytest.raises(StoreLocked):
            lock_data_dir(tmp_path, "x")
    finally:
        os.close(fd)
