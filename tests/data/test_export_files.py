"""Export files and streams under attack: atomic ``--out``, no planted symlinks, private
modes, a closed pipe, a full disk and broken data dirs (issue 13, points 5 and 12)."""
from __future__ import annotations

import builtins
import io
import os
import signal
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.data.export import export_to_file, safe_export_path
from kiosk.models import Response
from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")
DAY1 = datetime(2026, 9, 1, 10, 0).astimezone()


def fill(data: Path, days: int = 3, per_day: int = 20) -> int:
    store = ResponseStore(data)
    store.write_now(Response(id=f"r{d}-{i}", timestamp=DAY1 + timedelta(days=d, minutes=i),
                             kiosk="counter-1", question="visit-satisfaction", score=i % 5 + 1,
                             label="Satisfied", language="en", comment="a comment " * 5)
                    for d in range(days) for i in range(per_day))
    store.close()
    return days * per_day


def kiosk(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([argv[0], "--config", CONFIG, *argv[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def child(code: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, timeout=60,
                          capture_output=True, **kwargs)


# -- the admin export: a random temp name, never a planted one ---------------------------------

def test_the_admin_export_never_follows_a_planted_partial_symlink(tmp_path):
    data, exports = tmp_path / "data", tmp_path / "exports"
    fill(data)
    exports.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (exports / ".q3.csv.partial").symlink_to(victim)
    target = safe_export_path(exports, "q3.csv")
    old = os.umask(0)
    try:
        assert export_to_file(ResponseStore(data).day_files(), target) == 60
    finally:
        os.umask(old)
    assert victim.read_text() == "keep me"
    assert not target.is_symlink() and target.read_text().startswith("id,timestamp,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in exports.iterdir()) == [".q3.csv.partial", "q3.csv"]


# -- kiosk export --out: atomic ------------------------------------------------------------------

# A real fault mid-write: the file size limit kills the process (SIGXFSZ) or, with the
# signal ignored, fails the write with EFBIG, after a few KB have been written.
_LIMITED = """
import resource, signal, sys
from kiosk.cli import main
# Python ignores SIGXFSZ from start-up; "kill" restores the default (terminate).
signal.signal(signal.SIGXFSZ, signal.SIG_IGN if sys.argv[3] == "ignore" else signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
sys.exit(main(["export", "--config", sys.argv[1], "--data-dir", sys.argv[2], "--out", sys.argv[4]]))
"""


def test_a_kill_mid_export_leaves_the_old_file_under_the_final_name(tmp_path):
    fill(tmp_path / "data")
    out = tmp_path / "out.csv"
    out.write_text("OLD")
    done = child(_LIMITED, CONFIG, str(tmp_path / "data"), "kill", str(out))
    assert done.returncode == -signal.SIGXFSZ, done.stderr
    assert out.read_text() == "OLD"


def test_a_failed_export_leaves_the_old_file_and_no_temp_file(tmp_path):
    fill(tmp_path / "data")
    out = tmp_path / "out.csv"
    out.write_text("OLD")
    done = child(_LIMITED, CONFIG, str(tmp_path / "data"), "ignore", str(out), text=True)
    assert done.returncode == 2
    assert done.stderr == f"kiosk export: cannot write {out} (File too large)\n"
    assert out.read_text() == "OLD"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out.csv"]


def test_export_out_is_private_and_replaces_through_a_symlink(tmp_path, capsys):
    fill(tmp_path / "data")
    real = tmp_path / "real.csv"
    real.write_text("OLD")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    old = os.umask(0)
    try:
        code, _, err = kiosk(capsys, "export", "--data-dir", str(tmp_path / "data"),
                             "--out", str(link))
    finally:
        os.umask(old)
    assert code == 0, err
    assert link.is_symlink() and real.read_text().startswith("id,timestamp,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_export_to_a_device_writes_in_place(tmp_path, capsys):
    fill(tmp_path / "data")
    code, _, err = kiosk(capsys, "export", "--data-dir", str(tmp_path / "data"),
                         "--out", os.devnull)
    assert code == 0, err
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# -- standard output: a full disk, a closed pipe --------------------------------------------------

_EXPORT = [sys.executable, "-m", "kiosk", "export", "--config", CONFIG, "--data-dir"]


@pytest.mark.parametrize("command", ["export", "stats"])
def test_writing_to_a_full_device_is_one_line_and_exit_2(tmp_path, command):
    fill(tmp_path / "data")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "kiosk", command, "--config", CONFIG,
                               "--data-dir", str(tmp_path / "data")], cwd=ROOT, timeout=60,
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2
    assert done.stderr == (f"kiosk {command}: cannot write standard output "
                           "(No space left on device)\n")


@pytest.mark.parametrize("days", [3, 70], ids=["in-process", "worker-processes"])
def test_a_reader_that_goes_away_ends_the_export_quietly(tmp_path, days):
    fill(tmp_path / "data", days=days, per_day=1000 // days + 300)  # far more than a pipe holds
    reader = subprocess.Popen([*_EXPORT, str(tmp_path / "data")], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout.readline().startswith(b"id,timestamp,")  # | head -1
    reader.stdout.close()
    err = reader.stderr.read()
    assert reader.wait(timeout=60) == 141
    assert err == b""


# -- data dirs of the wrong shape ------------------------------------------------------------------

def _responses_is_a_file(data: Path) -> str:
    (data / "responses").mkdir(parents=True)
    (data / "responses").rmdir()
    (data / "responses").write_text("x")
    return str(data / "responses")


def _day_file_is_a_folder(data: Path) -> str:
    fill(data)
    day = data / "responses" / "2026-09-02.jsonl"
    day.unlink()
    day.mkdir()
    return str(day)


def _day_file_unreadable(data: Path, monkeypatch) -> str:
    fill(data)
    (data / "summaries.json").unlink()  # or stats answers from its cache, rightly
    day = data / "responses" / "2026-09-02.jsonl"
    real = io.open

    def refusing_open(file, *args, **kwargs):  # as a non-root user gets for a chmod 000 file
        if isinstance(file, (str, os.PathLike)) and Path(file) == day:
            raise PermissionError(13, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    # Every reader opens files through io.open (pathlib too) or builtins.open.
    monkeypatch.setattr(io, "open", refusing_open)
    monkeypatch.setattr(builtins, "open", refusing_open)
    return str(day)


@pytest.mark.parametrize("shape", ["responses-is-a-file", "day-file-is-a-folder",
                                   "day-file-unreadable"])
@pytest.mark.parametrize("command", ["export", "export-out", "stats", "import"])
def test_a_broken_data_dir_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, shape, command):
    data = tmp_path / "data"
    if shape == "responses-is-a-file":
        culprit = _responses_is_a_file(data)
    elif shape == "day-file-is-a-folder":
        culprit = _day_file_is_a_folder(data)
    else:
        culprit = _day_file_unreadable(data, monkeypatch)
    capsys.readouterr()
    argv = ["--data-dir", str(data)]
    if command == "export-out":
        argv = ["export", *argv, "--out", str(tmp_path / "out.csv")]
    elif command == "import":
        source = tmp_path / "source"
        fill(source, days=1)
        assert kiosk(capsys, "export", "--data-dir", str(source), "--out",
                     str(tmp_path / "in.csv"))[0] == 0
        argv = ["import", *argv, str(tmp_path / "in.csv")]
    else:
        argv = [command, *argv]
    code, out, err = kiosk(capsys, *argv)
    assert code == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kiosk"), err
    assert culprit in lines[0] and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


async def test_the_admin_export_reports_an_unreadable_day_file(config):
    from textual.app import App

    from kiosk.ui.screens.export import ExportScreen
    from tests.conftest import wait_until

    culprit = _day_file_is_a_folder(config.data_dir)
    store = ResponseStore(config.data_dir)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ExportScreen(config, store, "all"))

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, ExportScreen))
        dialog = app.screen
        dialog.query_one("#export-name").value = "all"
        await pilot.click("#export-write")
        result = dialog.query_one("#export-result")
        shown = lambda: str(result.render()).replace("\n", "")  # noqa: E731
        await wait_until(lambda: "✖" in shown(), what=shown)
        assert f"cannot read {culprit}" in shown() and result.has_class("-error")
    assert not config.admin.export_dir.exists() or list(config.admin.export_dir.iterdir()) == []
