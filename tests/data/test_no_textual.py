"""`kiosk stats`, `export` and `import` never import Textual (issue 21): the admin-key
check of the config runs from a table kept in step with the installed Textual."""
from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.ui import keys

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from kiosk.cli import main
code = main(sys.argv[1:])
print("TEXTUAL-LOADED" if any(m == "textual" or m.startswith("textual.") for m in sys.modules)
      else "NO-TEXTUAL", code, file=sys.stderr)
sys.exit(code)
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    if not config.exists():  # the shipped config (it sets [admin] key) on a temp data dir
        config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return subprocess.run([sys.executable, "-c", PROBE, *args, "--config", str(config),
                           "--data-dir", str(tmp_path / "data")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_stats_export_and_import_never_load_textual(tmp_path):
    demo = _run(tmp_path, "demo", "--days", "2", "--per-day", "20")
    assert demo.returncode == 0, demo.stderr
    out = tmp_path / "out.csv"
    for args in (("stats", "--json"), ("export", "--out", str(out)), ("import", str(out))):
        done = _run(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip().splitlines()[-1].startswith("NO-TEXTUAL"), (args, done.stderr)
    assert json.loads(_run(tmp_path, "stats", "--json").stdout)["responses"] == 40


def test_a_bad_admin_key_is_still_refused_without_textual(tmp_path):
    config = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    config.write_text(_with_admin_key(text, "ctrl+q"), encoding="utf-8")
    done = _run(tmp_path, "stats")
    assert done.returncode == 2
    assert "'ctrl+q' is locked on the kiosk" in done.stderr
    assert "NO-TEXTUAL" in done.stderr


def _with_admin_key(text: str, key: str) -> str:
    head, rest = text.split("[admin]", 1)
    body, sep, tail = rest.partition("\n[")
    lines = [f'key = "{key}"' if line.startswith("key =") else line for line in body.split("\n")]
    return head + "[admin]" + "\n".join(lines) + sep + tail


def test_the_key_table_matches_the_installed_textual():
    textual_keys = pytest.importorskip("textual.keys")
    never = {alias for aliases in textual_keys.KEY_ALIASES.values() for alias in aliases}
    never |= {"<any>", "<ignore>", "ctrl-at", "return"}
    assert keys._NAMED_KEYS == {key.value for key in textual_keys.Keys} - never
    samples = [*string.printable, "é", "€", "＠", "ß", "\u202e", "\x00", "日", "٣", "\t"]
    for character in samples:
        assert keys.character_to_key(character) == textual_keys._character_to_key(character), character


@pytest.mark.parametrize("value", ["f12", "ctrl+o", "F12", "ctrl+q", "1", "escape", "€", "alt+x",
                                   "alt+X", "ctrl+i", "ctrl+m", "plus", "+", " ", "", "f25", "@"])
def test_the_same_refusals_as_with_textual(value):
    """The check as it was, with Textual's own tables, gives the same answer."""
    textual_keys = pytest.importorskip("textual.keys")
    import difflib

    never = {alias for aliases in textual_keys.KEY_ALIASES.values() for alias in aliases}
    never |= {"<any>", "<ignore>", "ctrl-at", "return"}
    named = {key.value for key in textual_keys.Keys} - never
    chars = {textual_keys._character_to_key(c) for c in string.printable if c.isprintable() and c != " "}
    sendable = named | chars | {f"alt+{k}" for k in chars if len(k) == 1 and not k.isupper()}
    locked = set(keys.LOCKED_KEYS.split(",")) | {"escape"}
    name = textual_keys._character_to_key(value) if len(value) == 1 else value
    if not value.strip():
        expected = "must not be empty"
    elif name in locked or value in locked:
        expected = "locked"
    elif name in keys.CUSTOMER_KEYS or value in keys.CUSTOMER_KEYS:
        expected = "customers"
    elif name not in sendable:
        close = difflib.get_close_matches(value.lower(), sorted(sendable), n=1)
        expected = f"did you mean '{close[0]}'" if close else "not a key"
    else:
        expected = None
    got = keys.admin_key_problem(value)
    assert (got is None) == (expected is None), (value, got)
    if expected is not None:
        assert got is not None and expected in got
