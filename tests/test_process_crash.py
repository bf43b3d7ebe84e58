"""A bug that still crashes the kiosk: a plain line on the counter (no traceback, no
locals: no PIN, salt or hash), the traceback in a 0600 log file, and a non-zero exit
status so that systemd's Restart=on-failure restarts it.  Real process, real pty."""
from __future__ import annotations

import json
import re
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.pin import PinVault
from tests.test_process import ROOT, Terminal

# The fault is injected below the kiosk: hashlib.scrypt fails while the typed PIN is
# checked, so the exception rises through PinVault and the PIN screen's handler into
# Textual, with the typed PIN and the stored salt and hash in the frames' locals.
SITECUSTOMIZE = textwrap.dedent("""
    import hashlib

    _real_scrypt = hashlib.scrypt

    def scrypt(password, *args, **kwargs):
        if password == b"8642":
            raise RuntimeError("injected fault under the PIN check")
        return _real_scrypt(password, *args, **kwargs)

    hashlib.scrypt = scrypt
""")
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")


def visible(output: bytes) -> str:
    """What a person sees: the pty output without escape sequences."""
    return ANSI.sub(b"", output).decode("utf-8", "replace")


@pytest.mark.parametrize("command", ["run", "admin"])
def test_a_crash_exits_non_zero_shows_a_plain_line_and_logs_privately(tmp_path, command):
    data = tmp_path / "data"
    PinVault(data).set_pin("2468")
    secrets = json.loads((data / "admin-pin.json").read_text())
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    term = Terminal([sys.executable, "-m", "kiosk", command, "--config",
                     str(ROOT / "config.toml"), "--data-dir", str(data)], cwd=tmp_path,
                    env={"PYTHONPATH": str(hooks)})
    try:
        if command == "run":
            term.read_until(lambda t: b"satisfied" in t.output)
            term.send("\x1b[24~")  # F12: the PIN screen
        term.read_until(lambda t: b"Enter the PIN" in t.output)
        term.send("8642\r")
        # keep reading: a child writing a long report to a full pty would block
        term.read_until(lambda t: t.process.poll() is not None)
        status = term.process.wait()
        term.read_for(0.5)
    finally:
        term.close()
    screen = visible(term.output)
    assert status != 0  # the supervisor restarts it
    assert "The kiosk hit an error and restarts" in screen
    for secret in ("8642", secrets["salt"], secrets["hash"], "Traceback", "RuntimeError",
                   "injected", "locals"):
        assert secret not in screen
    logs = list(data.glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in screen.replace("\r\n", "").replace("\n", "")
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600
    log = logs[0].read_text()
    assert "Traceback" in log and "RuntimeError: injected fault under the PIN check" in log
    assert secrets["salt"] not in log and secrets["hash"] not in log  # no locals


def test_a_crash_outside_the_app_is_one_line_and_non_zero(tmp_path, capsys, monkeypatch):
    """A bug before the app is up (here: the store cannot be opened for an unforeseen
    reason, raised below it at os.open) ends in one line, exit 1, the log written."""
    import os

    from kiosk.cli import main

    data = tmp_path / "data"
    data.mkdir()
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):
        if str(path).endswith("kiosk.lock"):
            raise MemoryError("injected")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    code = main(["run", "--config", str(ROOT / "config.toml"), "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("kiosk: internal error (MemoryError); details in ")
    assert err.count("\n") == 1 and "Traceback" not in err
    log = Path(err.split("details in ")[1].strip())
    assert log.parent == data and "MemoryError: injected" in log.read_text()


def test_the_crash_log_falls_back_when_the_data_dir_refuses_it(tmp_path, monkeypatch):
    import errno
    import os
    import tempfile

    from kiosk.ui.crash import write_crash_log

    data, spare = tmp_path / "data", tmp_path / "tmp"
    data.mkdir()
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    real_open = os.open

    def full_data_dir(path, flags, *args, **kwargs):
        if Path(path).parent == data:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_data_dir)
    try:
        raise ValueError("boom")
    except ValueError as error:
        log = write_crash_log(error, [data])
    assert log is not None and log.parent == spare
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and "ValueError: boom" in log.read_text()
    monkeypatch.setattr(tempfile, "tempdir", str(data))  # nowhere left: no log, no raise
    assert write_crash_log(ValueError("x"), [data]) is None
