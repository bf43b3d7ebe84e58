"""A kiosk started, or restarted, on a really full disk (issue 22 point 9): a small tmpfs
filled to ENOSPC, a real `kiosk run` process on a real pty.  It serves customers with
taps kept in memory and the red warning on the admin view, exactly as a running kiosk
does when the disk fills, writes the taps once there is space, and leaves no probe file
behind.  Needs root for the tmpfs (the in-process ENOSPC tests are
tests/store/test_disk_failures.py and tests/test_pin_disk.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, ensure_data_dir, load_config
from kiosk.pin import PinVault
from kiosk.store.response_store import ResponseStore
from tests.test_pin_processes import fill, small_tmpfs
from tests.vt import Screen, run_on_pty

ROOT = Path(__file__).resolve().parents[2]
PIN = "2468"
F12 = b"\x1b[24~"


def stored_lines(data: Path) -> int:
    return sum(path.read_bytes().count(b"\n")
               for path in (data / "responses").glob("*.jsonl"))


def words(screen: Screen) -> str:
    return " ".join(" ".join(screen.line(y) for y in range(screen.rows)).split())


@pytest.mark.parametrize("history", [False, True], ids=["first-start", "restart"])
def test_a_kiosk_starting_on_a_full_disk_serves_with_taps_in_memory(tmp_path, history):
    with small_tmpfs(tmp_path / "disk", size="1m") as disk:
        data = disk / "data"
        if history:  # a kiosk that ran before: data, summaries, zone, lock file
            subprocess.run([sys.executable, "-m", "kiosk", "demo", "--config",
                            str(ROOT / "config.toml"), "--data-dir", str(data), "--days", "2"],
                           check=True, capture_output=True, cwd=ROOT)
            # restarted on a new day: today's file must be made (an append to an old
            # file can still fit in the slack of its last page, even on a full disk)
            zone = load_config(ROOT / "config.toml").kiosk.timezone
            store = ResponseStore(data, tz=zone)
            store.day_path(store.today()).unlink(missing_ok=True)
        PinVault(data).set_pin(PIN)
        before = stored_lines(data)
        fill(disk)
        stage = ["survey"]
        seen: dict[str, object] = {}

        def step(screen: Screen, send) -> bool:
            text = words(screen)
            if stage[0] == "survey" and "Tap an answer" in text:
                send(b"5")
                stage[0] = "thanks"
            elif stage[0] == "thanks" and "Tap an answer" not in text:
                stage[0] = "back"
            elif stage[0] == "back" and "Tap an answer" in text:
                send(F12)
                stage[0] = "pin"
            elif stage[0] == "pin" and "Staff access" in text:
                send(PIN.encode() + b"\r")
                stage[0] = "admin"
            elif stage[0] == "admin" and "kept in memory" in text:
                where = screen.find("✖")
                assert where is not None
                seen["warning"] = screen.cells[where[1]][where[0]].rgb()
                seen["text"] = text
                (disk / "filler").unlink()  # space again
                stage[0] = "written"
            elif stage[0] == "written":
                return stored_lines(data) == before + 1
            return False

        try:
            run_on_pty([sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"),
                        "--data-dir", str(data)], cwd=ROOT, env={"TERM": "xterm-256color"},
                       cols=100, rows=30, until=step, timeout=90, what="the full-disk flow")
        except AssertionError as exc:
            raise AssertionError(f"stuck at stage {stage[0]}: {exc}") from None
        assert "No space left on device" in str(seen["text"])
        fg, _bg = seen["warning"]  # type: ignore[misc]
        assert fg[0] > 150 and fg[0] > fg[1] + 50 and fg[0] > fg[2] + 50, fg  # drawn in red
        left = sorted(p.name for p in data.iterdir())
        assert not [name for name in left if name.startswith((".write-test", "crash-"))], left


def test_other_commands_still_refuse_a_full_disk_and_leave_no_probe(tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        data = disk / "data"
        data.mkdir()
        fill(disk)
        config = load_config(ROOT / "config.toml", data_dir=str(data))
        with pytest.raises(ConfigError, match="No space left on device"):
            ensure_data_dir(config, from_flag=True)
        assert ensure_data_dir(config, from_flag=True, serving=True) == data
        assert list(data.iterdir()) == []  # no .write-test left behind
        assert not os.path.exists(data / ".write-test")
