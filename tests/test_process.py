"""The real `kiosk` process in a pseudo-terminal: taps, SIGTERM/SIGHUP end it cleanly."""
from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parent.parent


class Terminal:
    """A child process on a pty, and everything it printed so far."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.master, slave = pty.openpty()
        os.set_blocking(self.master, False)
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30",
               **(env or {})}
        # Textual draws on stderr, so all three go to the terminal.
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                        cwd=cwd, env=env, start_new_session=True)
        os.close(slave)
        self.output = b""

    def read_until(self, predicate, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; screen so far: {self.output[-500:]!r}")
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    pass

    def read_for(self, seconds: float) -> None:
        """Take in what the child prints for ``seconds`` (it blocks on select, not sleep)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    return

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.master)


# The kiosk with a disk that holds the writer's os.write until the test says so (a
# file appears): the thank-you then shows with the tap still in memory, and the test
# signals at exactly that moment, whatever the runner's speed.
HELD_WRITER = """
import os, runpy, sys, threading, time
release = sys.argv.pop(1)
real_write = os.write
def held_write(fd, data):
    if threading.current_thread().name == "kiosk-writer":
        while not os.path.exists(release):
            time.sleep(0.01)
    return real_write(fd, data)
os.write = held_write
sys.argv[0] = "kiosk"
runpy.run_module("kiosk", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_ends_the_kiosk_cleanly_with_nothing_lost(tmp_path, sig):
    """The signal comes while a thanked tap is still on its way to the disk: the
    kiosk writes it before it exits."""
    data = tmp_path / "data"
    release = tmp_path / "disk-is-back"
    term = Terminal([sys.executable, "-c", HELD_WRITER, str(release),
                     "--config", str(ROOT / "config.toml"), "--data-dir", str(data)],
                    cwd=tmp_path)
    try:
        term.read_until(lambda t: b"satisfied" in t.output)
        deadline = time.monotonic() + 30
        while b"Thank you" not in term.output and time.monotonic() < deadline:
            # A key sent while the app still sets up its terminal can be lost: send it
            # again until it is answered (a repeat during the thank-you screen is ignored).
            term.send("5")
            term.read_for(1.0)
        assert b"Thank you" in term.output, term.output[-500:]
        assert list(ResponseStore(data).iter_responses()) == []  # thanked, not yet written
        term.process.send_signal(sig)
        term.read_for(0.3)
        assert term.process.poll() is None  # waiting for the tap's write, not gone
        release.touch()
        assert term.process.wait(timeout=20) == 0
        term.read_for(0.5)
        assert b"Traceback" not in term.output
    finally:
        release.touch()
        term.close()
    assert [r.score for r in ResponseStore(data).iter_responses()] == [5]
    assert not list(data.glob("unsaved-*")) and not list(tmp_path.rglob("unsaved-*"))
    # the lock is released: a new kiosk could start
    ResponseStore(data).open_writer().close()


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a SIGTERM handler now (the kernel's SigCgt mask)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(next(line.split()[1] for line in status.splitlines()
                      if line.startswith("SigCgt:")), 16)
    return bool(caught >> (signal.SIGTERM - 1) & 1)


def test_sigterm_while_starting_ends_the_kiosk(tmp_path):
    """SIGTERM at random instants of the start-up ends the kiosk after the first one,
    quietly, and frees the data dir.  `kiosk run` has its handler before anything slow
    (before Textual draws the first byte), and from then on the exit is clean (0)."""
    import random

    chooser = random.Random(13)
    data = tmp_path / "data"
    for round_ in range(16):
        term = Terminal([sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"),
                         "--data-dir", str(data)], cwd=tmp_path)
        try:
            if round_ % 2:
                # anywhere in the start-up, even before Python has loaded the kiosk
                term.read_for(chooser.uniform(0.0, 1.5))
                handled = _catches_sigterm(term.process.pid)
            else:
                term.read_until(lambda t: _catches_sigterm(t.process.pid) or t.output)
                assert _catches_sigterm(term.process.pid), "Textual drew before the handler"
                term.read_for(chooser.uniform(0.0, 1.0))  # then a random instant
                handled = True
            term.process.send_signal(signal.SIGTERM)
            term.read_until(lambda t: t.process.poll() is not None, timeout=10)
            code = term.process.wait()
            term.read_for(0.2)
            assert b"Traceback" not in term.output
        finally:
            term.close()
        assert code == 0 if handled else code in (0, -signal.SIGTERM), (round_, handled, code)
        ResponseStore(data).open_writer().close()  # the lock is free again
