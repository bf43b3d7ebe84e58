"""Every configuration mistake ends in one line naming file and key, exit code 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import SCHEMA, ConfigError, load_config
from kiosk.i18n import load_texts

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_config_loads_with_the_documented_defaults():
    config = load_config(ROOT / "config.toml")
    assert config.survey.labels == load_texts("en").labels  # the English defaults
    assert config.survey.satisfied_threshold == 4
    assert config.kiosk.data_dir == ROOT / "data"  # relative to the config file
    assert config.admin.key == "f12"


def test_data_dir_flag_overrides_the_file(tmp_path):
    config = load_config(ROOT / "config.toml", data_dir=str(tmp_path / "elsewhere"))
    assert config.data_dir == tmp_path / "elsewhere"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


CASES = [
    ("syntax", "[kiosk\nid = 'x'\n", r"TOML syntax error.*line 1"),
    ("unknown table", "[survy]\nquestion = 'x'\n", r"unknown table \[survy\] \(did you mean 'survey'\?\)"),
    ("unknown key", "[survey]\nqestion = 'x'\n", r"\[survey\] unknown key 'qestion' \(did you mean 'question'\?\)"),
    ("wrong type", "[kiosk]\nid = 3\n", r"\[kiosk\] id: must be a string, got 3"),
    ("bool for int", "[survey]\nsatisfied_threshold = true\n", r"\[survey\] satisfied_threshold: must be an integer"),
    ("four labels", "[survey]\nlabels = ['a','b','c','d']\n", r"\[survey\] labels: needs exactly 5 labels.*got 4"),
    ("six labels", "[survey]\nlabels = ['a','b','c','d','e','f']\n", r"\[survey\] labels: needs exactly 5 labels.*got 6"),
    ("empty label", "[survey]\nlabels = ['a','','c','d','e']\n", r"\[survey\] labels: label 2 must be a non-empty"),
    ("threshold 0", "[survey]\nsatisfied_threshold = 0\n", r"\[survey\] satisfied_threshold: must be between 1 and 5, got 0"),
    ("threshold 6", "[survey]\nsatisfied_threshold = 6\n", r"between 1 and 5, got 6"),
    ("negative seconds", "[timing]\nthank_you_seconds = -1\n", r"\[timing\] thank_you_seconds: must be 0 or more seconds"),
    ("negative idle", "[timing]\nidle_reset_seconds = -0.5\n", r"\[timing\] idle_reset_seconds: must be 0 or more"),
    ("seconds as text", "[timing]\nthank_you_seconds = 'four'\n", r"must be a number, got 'four'"),
    ("reserved admin key", "[admin]\nkey = 'ctrl+q'\n", r"\[admin\] key: 'ctrl\+q' is reserved"),
    ("table as value", "kiosk = 3\n", r"'kiosk' must be a table"),
]


@pytest.mark.parametrize("name,text,message", CASES, ids=[c[0] for c in CASES])
def test_config_mistakes(tmp_path, name, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_not_utf8(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"[kiosk]\nid = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


@pytest.mark.parametrize("name,text,message", CASES[:5], ids=[c[0] for c in CASES[:5]])
def test_cli_prints_one_line_and_exits_2(tmp_path, capsys, name, text, message):
    path = write(tmp_path, text)
    assert main(["stats", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and str(path) in err


def test_data_dir_that_cannot_be_created(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a dir")
    path = write(tmp_path, "[kiosk]\ndata_dir = 'file/data'\n")
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "[kiosk] data_dir: cannot write the data dir" in err and err.count("\n") == 1
    assert main(["run", "--config", str(path), "--data-dir", str(blocker / "x")]) == 2
    assert "--data-dir: cannot write" in capsys.readouterr().err


def test_bad_config_from_a_real_process_has_no_traceback(tmp_path):
    path = write(tmp_path, "[survey]\nlabels = ['only one']\n")
    result = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "[survey] labels" in result.stderr and "Traceback" not in result.stderr


def _wrong_value(types):
    """A value of the wrong type for a key that takes ``types``."""
    return "[1, 2]" if str in types else '"text"'


@pytest.mark.parametrize("table,key", [(t, k) for t, keys in SCHEMA.items() for k in keys])
def test_every_key_refuses_a_wrong_type_in_one_line(tmp_path, capsys, table, key):
    types, _check = SCHEMA[table][key]
    path = write(tmp_path, f"[{table}]\n{key} = {_wrong_value(types)}\n")
    assert main(["stats", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"[{table}] {key}: must be" in err and str(path) in err


@pytest.mark.parametrize("table,key,value,message", [
    ("admin", "target_csat", "101", "between 0 and 100"),
    ("admin", "min_responses", "0", "1 or more"),
    ("admin", "idle_lock_seconds", "-5", "0 or more seconds"),
    ("misuse", "max_taps", "0", "1 or more"),
    ("misuse", "window_seconds", "-1", "0 or more seconds"),
    ("followup", "threshold", "6", "between 1 and 5"),
    ("followup", "reasons", "['a','b','c','d','e','f','g']", "1 to 6 reasons"),
    ("followup", "seconds", "100000", "at most 86400"),
    ("nps", "seconds", "-2", "0 or more seconds"),
    ("rest", "attract_seconds", "-1", "0 or more seconds"),
    ("rest", "open", "'25:00'", "a time like"),
    ("kiosk", "id", "'  '", "must not be empty"),
])
def test_out_of_range_values(tmp_path, table, key, value, message):
    path = write(tmp_path, f"[{table}]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert f"[{table}] {key}" in str(caught.value)


def test_opening_hours_need_both_ends(tmp_path):
    with pytest.raises(ConfigError, match=r"\[rest\] open and close"):
        load_config(write(tmp_path, "[rest]\nopen = '08:00'\n"))
