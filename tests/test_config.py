"""Every configuration mistake ends in one line naming file and key, exit code 2."""
from __future__ import annotations

import os
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
    ("negative seconds", "[timing]\nthank_you_seconds = -1\n", r"\[timing\] thank_you_seconds: must be between 0.1 and 86400 seconds"),
    ("negative idle", "[timing]\nidle_reset_seconds = -0.5\n", r"\[timing\] idle_reset_seconds: must be between 0.1 and 86400"),
    ("seconds as text", "[timing]\nthank_you_seconds = 'four'\n", r"must be a number, got 'four'"),
    ("reserved admin key", "[admin]\nkey = 'ctrl+q'\n", r"\[admin\] key: 'ctrl\+q' is locked on the kiosk"),
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
    assert "[kiosk] data_dir: cannot use the data dir" in err and err.count("\n") == 1
    assert "(Not a directory)" in err
    assert main(["run", "--config", str(path), "--data-dir", str(blocker / "x")]) == 2
    assert "--data-dir: cannot use the data dir" in capsys.readouterr().err


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
    ("admin", "idle_lock_seconds", "-5", "between 0.1 and 86400 seconds"),
    ("misuse", "max_taps", "0", "1 or more"),
    ("misuse", "window_seconds", "-1", "between 0.1 and 86400 seconds"),
    ("followup", "threshold", "6", "between 1 and 5"),
    ("followup", "reasons", "['a','b','c','d','e','f','g']", "1 to 6 reasons"),
    ("followup", "seconds", "100000", "between 0.1 and 86400"),
    ("nps", "seconds", "-2", "between 0.1 and 86400 seconds"),
    ("rest", "attract_seconds", "-1", "between 0.1 and 86400 seconds"),
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


# -- values that broke the kiosk (issue 13 point 5) ------------------------------------

BREAKING = [
    # a timer of 0 or 1e-9 left the kiosk on "Thank you" forever
    ("timing", "thank_you_seconds", "0", "between 0.1 and 86400"),
    ("timing", "thank_you_seconds", "1e-9", "between 0.1 and 86400"),
    ("timing", "idle_reset_seconds", "0", "between 0.1 and 86400"),
    ("admin", "idle_lock_seconds", "0", "between 0.1 and 86400"),
    ("followup", "seconds", "0.05", "between 0.1 and 86400"),
    ("nps", "seconds", "0", "between 0.1 and 86400"),
    ("misuse", "window_seconds", "0", "between 0.1 and 86400"),
    ("rest", "attract_seconds", "0.01", r"between 0.1 and 86400 .*\(0 turns it off\)"),
    # nan passes every range check: it must be refused by name
    ("timing", "thank_you_seconds", "nan", "must be a finite number, got nan"),
    ("rest", "attract_seconds", "nan", "must be a finite number, got nan"),
    ("misuse", "window_seconds", "nan", "must be a finite number"),
    ("misuse", "window_seconds", "-nan", "must be a finite number"),
    ("admin", "idle_lock_seconds", "inf", "must be a finite number, got inf"),
    ("admin", "target_csat", "nan", "must be a finite number"),
    ("followup", "seconds", "+inf", "must be a finite number"),
    ("nps", "seconds", "-inf", "must be a finite number"),
    # admin keys that can never fire
    ("admin", "key", "'F12'", r"'F12' is not a key the terminal can send \(did you mean 'f12'\?"),
    ("admin", "key", "'ctrl+d'", "'ctrl\\+d' is locked on the kiosk"),
    ("admin", "key", "'ctrl+q'", "'ctrl\\+q' is locked on the kiosk"),
    ("admin", "key", "'escape'", "locked on the kiosk"),
    ("admin", "key", "'f99'", "not a key the terminal can send"),
    ("admin", "key", "'control+a'", "not a key the terminal can send"),
    ("admin", "key", "'f12,ctrl+q'", "not a key the terminal can send"),
    ("admin", "key", "'3'", "a key customers answer with"),
    ("admin", "key", "'enter'", "a key customers answer with"),
    ("admin", "key", "' '", "must not be empty"),
    # the rest
    ("kiosk", "languages", "['en', 'fr', 'en']", "'en' is listed twice"),
    ("kiosk", "data_dir", '"data\\u0000x"', "must not contain a NUL"),
    ("admin", "export_dir", '"a\\u0000"', "must not contain a NUL"),
]


@pytest.mark.parametrize("table,key,value,message", BREAKING,
                         ids=[f"{t}.{k}={v}" for t, k, v, _ in BREAKING])
def test_values_that_break_the_kiosk_are_refused_in_one_line(tmp_path, capsys, table, key,
                                                             value, message):
    path = write(tmp_path, f"[{table}]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: [{table}] {key}: ")
    assert main(["stats", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("table,key,value", [
    ("rest", "attract_seconds", "0"),  # "0: never", as config.toml says
    ("timing", "thank_you_seconds", "0.1"),
    ("admin", "key", "'f9'"),
    ("admin", "key", "'ctrl+o'"),
    ("admin", "key", "'/'"),
    ("admin", "key", "'slash'"),
    ("admin", "key", "'alt+a'"),
])
def test_working_values_are_still_accepted(tmp_path, table, key, value):
    load_config(write(tmp_path, f"[{table}]\n{key} = {value}\n"))


def test_texts_reason_overrides_must_be_text(tmp_path):
    with pytest.raises(ConfigError, match=r"\[texts.fr\] reasons: reason 'waiting' must be a "
                                          r"non-empty string, got nan"):
        load_config(write(tmp_path, "[texts.fr.reasons]\nwaiting = nan\n"))


def test_customer_keys_cover_the_survey_bindings():
    """The admin key check refuses every key the survey answers with."""
    from textual.keys import _character_to_key

    from kiosk.ui.keys import CUSTOMER_KEYS
    from kiosk.ui.screens.survey import ADMIN_BINDING, SurveyScreen

    # The admin binding is the one the check is for: the app maps it to [admin] key.
    bound = {key.strip() for binding in SurveyScreen.BINDINGS if binding.id != ADMIN_BINDING
             for key in binding.key.split(",")}
    assert {_character_to_key(k) if len(k) == 1 else k for k in bound} <= CUSTOMER_KEYS


def test_the_app_locks_the_keys_the_config_refuses():
    from kiosk.ui import app, keys

    assert app.LOCKED_KEYS == keys.LOCKED_KEYS


def test_opening_and_closing_at_the_same_time_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"\[rest\] open and close: both are 09:00, so the "
                                          r"kiosk would never open"):
        load_config(write(tmp_path, "[rest]\nopen = '09:00'\nclose = '09:00'\n"))


def test_a_utf8_bom_is_tolerated(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes("\ufeff[kiosk]\nid = 'bom'\n".encode("utf-8"))
    assert load_config(path).kiosk.id == "bom"


def test_deeply_nested_toml_is_one_line(tmp_path, capsys):
    path = write(tmp_path, "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["stats", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and err.count("\n") == 1


def test_data_dir_flag_with_nul_is_one_line(capsys):
    assert main(["stats", "--config", str(ROOT / "config.toml"), "--data-dir", "a\0b"]) == 2
    err = capsys.readouterr().err
    assert "--data-dir: must not contain a NUL" in err and err.count("\n") == 1


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    return fifo


@pytest.mark.parametrize("what,make,message", [
    ("a device that never ends", lambda tmp: Path("/dev/zero"), "not a regular file"),
    ("a FIFO nobody writes", _fifo, "not a regular file"),
    ("a directory", lambda tmp: tmp, "is a directory"),
    ("a file too large", lambda tmp: _big(tmp), "too large for a config file"),
])
def test_config_must_be_a_regular_file(tmp_path, what, make, message):
    """`--config /dev/zero` hung the kiosk; each of these now ends in one line, exit 2
    (run in a real process with a timeout, so a hang fails the test)."""
    result = subprocess.run([sys.executable, "-m", "kiosk", "stats", "--config",
                             str(make(tmp_path))], capture_output=True, text=True, cwd=ROOT,
                            timeout=30)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def _big(tmp_path: Path) -> Path:
    path = tmp_path / "big.toml"
    path.write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    return path


def test_unreadable_config_is_one_line(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, "[kiosk]\n")
    path.chmod(0)
    real_open = os.open

    def open_as_nobody(file, flags, *args, **kwargs):
        # root reads any file: refuse this one as the kernel does for anyone else
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    if os.geteuid() == 0:
        monkeypatch.setattr(os, "open", open_as_nobody)
    assert main(["stats", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cannot read the config file (Permission denied)" in err and err.count("\n") == 1
