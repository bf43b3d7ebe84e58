"""A data dir in a shape no command can work with ends in one line and exit 2, for every
command that opens it, in a real process (no traceback, no hang)."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.test_process import ROOT

CONFIG = str(ROOT / "config.toml")


def data_dir_is_a_file(tmp: Path) -> Path:
    (tmp / "data").write_text("not a directory")
    return tmp / "data"


def responses_is_a_file(tmp: Path) -> Path:
    (tmp / "data").mkdir()
    (tmp / "data" / "responses").write_text("not a directory")
    return tmp / "data"


def todays_file_is_a_directory(tmp: Path) -> Path:
    (tmp / "data" / "responses" / f"{date.today().isoformat()}.jsonl").mkdir(parents=True)
    return tmp / "data"


def a_day_file_is_a_fifo(tmp: Path) -> Path:
    (tmp / "data" / "responses").mkdir(parents=True)
    os.mkfifo(tmp / "data" / "responses" / "2026-01-02.jsonl")
    return tmp / "data"


SHAPES = [
    (data_dir_is_a_file, r"data is a file, not a directory \(the data dir\)"),
    (responses_is_a_file, r"responses is a file, not a directory \(the folder of the day files\)"),
    (todays_file_is_a_directory, r"\.jsonl is a directory, not a day file; move it out of"),
    (a_day_file_is_a_fifo, r"2026-01-02\.jsonl is not a regular file, not a day file"),
]


@pytest.mark.parametrize("command", ["run", "admin", "stats", "export", "set-pin"])
@pytest.mark.parametrize("shape,message", SHAPES, ids=[s[0].__name__ for s in SHAPES])
def test_a_broken_data_dir_is_one_line_and_exit_2(tmp_path, shape, message, command):
    data = shape(tmp_path)
    result = subprocess.run([sys.executable, "-m", "kiosk", command, "--config", CONFIG,
                             "--data-dir", str(data)], input="2468\n", capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("kiosk: --data-dir: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    import re
    assert re.search(message, result.stderr), result.stderr


class RefusingOpen:
    """os.open fails with ``error`` for ``target`` (root reads and writes any file, so the
    permission errors a kiosk user would get are raised where the kernel raises them)."""

    def __init__(self, monkeypatch, target: Path, error: int, writing_only: bool) -> None:
        real_open = os.open

        def fake_open(path, flags, *args, **kwargs):
            wants_write = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            if Path(os.fsdecode(path)).parent == target or Path(os.fsdecode(path)) == target:
                if wants_write or not writing_only:
                    raise OSError(error, os.strerror(error), os.fsdecode(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", fake_open)


@pytest.mark.parametrize("command", ["run", "stats", "export", "set-pin"])
def test_an_unreadable_day_file_is_one_line(tmp_path, monkeypatch, capsys, command):
    day = tmp_path / "responses" / "2026-01-02.jsonl"
    day.parent.mkdir()
    day.write_text("")
    day.chmod(0)
    RefusingOpen(monkeypatch, day, errno.EACCES, writing_only=False)
    assert main([command, "--config", CONFIG, "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read the day file {day} (Permission denied)" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["run", "set-pin"])
def test_a_read_only_data_dir_refuses_the_writers(tmp_path, monkeypatch, capsys, command):
    """`kiosk run` and `set-pin` need to write: one line, exit 2.  (`stats`/`export` only
    read, and `kiosk admin` serves with the PIN lock held in memory: test_pin_disk.py.)"""
    RefusingOpen(monkeypatch, tmp_path, errno.EROFS, writing_only=True)
    assert main([command, "--config", CONFIG, "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot write the data dir" in err and "(Read-only file system)" in err
    assert err.count("\n") == 1


def test_a_read_only_data_dir_still_gives_stats(tmp_path, monkeypatch, capsys):
    RefusingOpen(monkeypatch, tmp_path, errno.EROFS, writing_only=True)
    assert main(["stats", "--config", CONFIG, "--data-dir", str(tmp_path)]) == 0
