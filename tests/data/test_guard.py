"""The formula guard and control characters in CSV text cells (issue 13, point 12):
every start a spreadsheet may run is guarded, no escape sequence reaches a terminal,
and export -> import -> export stays byte-identical."""
from __future__ import annotations

import csv
import io
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.cli import main
from kiosk.data.export import neutralise, visible
from kiosk.data.importer import _text_cell
from kiosk.models import Response
from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")
DAY1 = datetime(2026, 10, 1, 10, 0).astimezone()

HOSTILE_STARTS = {
    "space": " =1+1", "nbsp": "\u00a0=1+1", "zero-width space": "\u200b=1+1",
    "bom": "\ufeff=1+1", "full-width =": "\uff1d1+1", "full-width +": "\uff0bcmd",
    "full-width @": "\uff20SUM(A1)", "full-width -": "\uff0d2+3", "unicode minus": "\u22122+3",
    "tab": "\t=1", "cr": "\r=1", "lf": "\n=1", "quote": "'=1", "plain =": "=1", "plus": "+1",
    "minus": "-1", "at": "@x",
}
CONTROLS = "esc \x1b[2J\x1b]0;pwned\x07 csi \x9b31m del \x7f nul \x00 bs \x08 end"


@pytest.mark.parametrize("text", HOSTILE_STARTS.values(), ids=HOSTILE_STARTS.keys())
def test_every_start_a_spreadsheet_may_run_is_guarded(text):
    assert neutralise(text) == "'" + text
    assert _text_cell(neutralise(text)) == text  # import takes exactly the guard off


def test_ordinary_text_is_left_alone():
    for text in ("Satisfied", "très bien", "非常满意", "4 stars", "a-b", "a=b", "2+2", "é"):
        assert neutralise(text) == text


@pytest.mark.parametrize("text", ["  leading spaces", " x", "\u00a0nbsp first", "\ufeffbom then text",
                                  "\u200bzero width", "\tindented", "   ", " ' quote after spaces"])
def test_leading_white_space_alone_is_not_guarded(text):
    """Issue 22 item 17: only a formula sign after the spaces makes a formula."""
    assert neutralise(text) == text
    assert _text_cell(neutralise(text)) == text


@pytest.mark.parametrize("text", ["  =1+1", " \u00a0+cmd", "\u200b\u200b@SUM(A1)", "\t \uff1d1",
                                  "   -2+3", "\r\n=1"])
def test_a_formula_sign_after_leading_white_space_is_guarded(text):
    assert neutralise(text) == "'" + text
    assert _text_cell(neutralise(text)) == text


def test_control_characters_become_visible_symbols():
    shown = neutralise(CONTROLS)
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
    assert shown == ("esc \u241b[2J\u241b]0;pwned\u2407 csi \ufffd31m del \u2421 nul \u2400 "
                     "bs \u2408 end")
    assert neutralise("line one\r\nline two\tend") == "line one\r\nline two\tend"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
       | st.builds(lambda pad, sign, rest: pad + sign + rest,
                   st.text(alphabet=" \t\u00a0\u200b\ufeff'", max_size=4),
                   st.sampled_from(["", "=", "+", "-", "@", "'", "x"]), st.text(max_size=4))
       | st.sampled_from(list(HOSTILE_STARTS.values()) + [CONTROLS]))
def test_import_undoes_exactly_what_export_did(text):
    cell = neutralise(text)
    assert _text_cell(cell) == visible(text)          # text without controls: itself
    assert neutralise(_text_cell(cell)) == cell        # export again: byte-identical


def kiosk(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([argv[0], "--config", CONFIG, *argv[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def test_round_trip_through_the_cli_with_hostile_text(tmp_path, capsys):
    texts = [*HOSTILE_STARTS.values(), CONTROLS]
    store = ResponseStore(tmp_path / "source")
    store.write_now(Response(id=f"r{i}", timestamp=DAY1 + timedelta(minutes=i), kiosk=t,
                             question=t, score=4, label=t, language=t, reason=t, comment=t)
                    for i, t in enumerate(texts))
    store.close()
    code, first, err = kiosk(capsys, "export", "--data-dir", str(tmp_path / "source"))
    assert (code, err) == (0, "")
    # What reaches a terminal: no C0 but CR/LF/tab, no DEL, no C1.
    assert not [c for c in first if unicodedata.category(c) == "Cc" and c not in "\r\n\t"]
    for row in csv.DictReader(io.StringIO(first)):
        for column in ("kiosk", "question", "label", "language", "reason", "comment"):
            assert row[column][:1] == "'" or row[column] == visible(CONTROLS), (column, row)
    (tmp_path / "a.csv").write_text(first, encoding="utf-8", newline="")
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "copy"),
                         str(tmp_path / "a.csv"))
    assert code == 0 and f"{len(texts)} added, 0 already present, 0 rejected" in out
    code, second, _ = kiosk(capsys, "export", "--data-dir", str(tmp_path / "copy"))
    assert second == first
    copied = {d["id"]: d for d in ResponseStore(tmp_path / "copy").iter_docs()}
    assert [copied[f"r{i}"]["comment"] for i in range(len(texts))] == [
        *HOSTILE_STARTS.values(), visible(CONTROLS)]
