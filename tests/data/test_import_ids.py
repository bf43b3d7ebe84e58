"""Issue 22 item 16: response ids holding control, bidi or zero-width characters are
refused by import with a reason; the rest of the file goes on."""
from __future__ import annotations

import json

import pytest

from tests.data.test_import import export, kiosk, reasons, row, stored, write_rows

BAD_IDS = {"newline": "nl\nid", "carriage return": "cr\rid", "tab": "tab\tid",
           "right-to-left override": "rlo\u202eid", "zero-width space": "zw\u200bid",
           "left-to-right isolate": "iso\u2066id", "escape": "esc\x1bid", "nbsp": "nb\u00a0id",
           "line separator": "ls\u2028id", "bom": "\ufeffbom-id", "soft hyphen": "shy\u00adid"}


@pytest.mark.parametrize("ident", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_an_id_with_an_invisible_or_control_character_is_refused(tmp_path, capsys, ident):
    good = row(id="good-1")
    path = write_rows(tmp_path / "in.csv", [row(id=ident), good])
    code, out, err = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0 and err == ""
    assert "1 added, 0 already present, 1 rejected" in out
    [reason] = reasons(out)
    assert reason.startswith(f"{path}:2: id ") and "must be printable text only" in reason
    assert "U+" in reason and "\n" not in reason.strip() and ident not in reason
    assert [d["id"] for d in stored(tmp_path / "d")] == ["good-1"]
    exported = export(capsys, tmp_path / "d", tmp_path / "out.csv").decode("utf-8")
    assert ident not in exported


def test_printable_ids_of_every_script_are_kept(tmp_path, capsys):
    ids = ["ä-1", "日本-2", "٣-3", "id with spaces", "😀-emoji", "ok\u2400picture"]
    path = write_rows(tmp_path / "in.csv", [row(id=i) for i in ids])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0 and f"{len(ids)} added, 0 already present, 0 rejected" in out
    assert sorted(d["id"] for d in stored(tmp_path / "d")) == sorted(ids)


def test_a_fallback_line_with_such_an_id_is_refused_too(tmp_path, capsys):
    doc = json.loads(json.dumps({"id": "rlo\u202eid", "timestamp": "2026-11-20T10:00:00+00:00",
                                 "kiosk": "k", "question": "q", "score": 4, "label": "Satisfied",
                                 "language": "en", "flagged": False}))
    path = tmp_path / "unwritten.jsonl"
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 1 and "U+202E" in out and "must be printable" in out
