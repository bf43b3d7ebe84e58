"""The fallback file for taps that could not be written at exit: private, never
through a planted symlink, and taken back by ``kiosk import`` (issue 13, point 12)."""
from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.cli import main
from kiosk.models import Response
from kiosk.store.fallback import save_unwritten
from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")
DAY1 = datetime(2026, 11, 20, 10, 0).astimezone()


def taps(count: int) -> list[Response]:
    return [Response(id=f"t{i}", timestamp=DAY1 + timedelta(minutes=i), kiosk="counter-1",
                     question="visit-satisfaction", score=i % 5 + 1, label=f"L{i}",
                     language="en", flagged=i == 2, comment="'=quoted\nline" if i == 1 else None,
                     nps=9 if i == 3 else None)
            for i in range(count)]


def kiosk(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([argv[0], "--config", CONFIG, *argv[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_fallback_file_is_private_even_with_a_lax_umask(tmp_path):
    old = os.umask(0)
    try:
        saved = Path(save_unwritten(taps(2), tmp_path))
    finally:
        os.umask(old)
    assert saved.parent == tmp_path and saved.name.startswith("unsaved-responses-")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_a_planted_symlink_is_not_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    first = Path(save_unwritten(taps(1), tmp_path))
    first.unlink()
    first.symlink_to(victim)  # the name this process will use next
    saved = Path(save_unwritten(taps(1), tmp_path))
    assert saved != first and not saved.is_symlink()
    assert victim.read_text() == "keep me"
    assert json.loads(saved.read_text())["id"] == "t0"


def test_kiosk_import_takes_the_fallback_file_back_once(tmp_path, capsys):
    data = tmp_path / "data"
    lost = taps(5)
    store = ResponseStore(data)
    store.write_now(lost[:2])  # two made it to disk before the failure
    store.close()
    saved = save_unwritten(lost, data)
    code, out, err = kiosk(capsys, "import", "--data-dir", str(data), saved)
    assert (code, err) == (0, "")
    assert f"{saved}: 3 added, 2 already present, 0 rejected" in out.splitlines()
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(data), saved)
    assert f"{saved}: 0 added, 5 already present, 0 rejected" in out.splitlines()
    back = sorted(ResponseStore(data).iter_responses(), key=lambda r: r.id)
    assert back == lost


def test_a_damaged_fallback_line_is_one_rejected_row(tmp_path, capsys):
    data = tmp_path / "data"
    saved = Path(save_unwritten(taps(2), tmp_path))
    with open(saved, "a", encoding="utf-8") as handle:
        handle.write('{"id": "x", "score": 4.0}\n')
        handle.write("not json\n")
        handle.write('{"id": "torn", "timesta')
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(data), str(saved))
    assert code == 0
    assert f"{saved}: 2 added, 0 already present, 3 rejected" in out.splitlines()
    assert f"{saved}:3: not a response (timestamp missing or without a UTC offset)" in out
    assert f"{saved}:4: not a JSON object" in out
    assert f"{saved}:5: not a JSON object" in out
