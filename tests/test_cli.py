"""CLI: help, export CSV, stats, argument errors."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.models import Response, new_response_id
from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parent.parent
DAY1 = datetime(2026, 11, 20, 10, 0).astimezone()


@pytest.fixture
def filled(tmp_path):
    """70 satisfied answers out of 100 (seed 003), over three days."""
    store = ResponseStore(tmp_path).open_writer()
    scores = [5] * 40 + [4] * 30 + [3] * 15 + [2] * 10 + [1] * 5
    for i, score in enumerate(scores):
        store.record(Response(
            id=new_response_id(), timestamp=DAY1 + timedelta(days=i % 3, minutes=i),
            kiosk="counter-9", question="visit", score=score, label=f"L{score}", language="en"))
    store.close()
    return tmp_path


def run_cli(capsys, *argv):
    code = main(["--config", str(ROOT / "config.toml"), *argv] if not argv or argv[0].startswith("-")
                 else [argv[0], "--config", str(ROOT / "config.toml"), *argv[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "export", "stats", "demo"):
        assert command in out


def test_export_columns_and_rows(filled, capsys):
    code, out, err = run_cli(capsys, "export", "--data-dir", str(filled), "--out", "-")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0].keys())[:7] == ["id", "timestamp", "kiosk", "question", "score", "label", "language"]
    assert len(rows) == 100
    assert {r["kiosk"] for r in rows} == {"counter-9"}
    assert len({r["id"] for r in rows}) == 100
    assert all(datetime.fromisoformat(r["timestamp"]).utcoffset() is not None for r in rows)


def test_export_period_to_file(filled, capsys, tmp_path):
    out_file = tmp_path / "out.csv"
    day = DAY1.date() + timedelta(days=1)
    code, _, err = run_cli(capsys, "export", "--data-dir", str(filled), "--out", str(out_file),
                           "--since", day.isoformat(), "--until", day.isoformat())
    assert code == 0 and "exported 33" in err
    rows = list(csv.DictReader(out_file.open(encoding="utf-8")))
    assert len(rows) == 33 and all(r["timestamp"].startswith(day.isoformat()) for r in rows)


def test_export_bom_and_formula_injection(tmp_path, capsys):
    store = ResponseStore(tmp_path).open_writer()
    store.record(Response(id=new_response_id(), timestamp=DAY1, kiosk="=cmd|' /C calc'!A0",
                          question="+q", score=4, label="@label", language="-en"))
    store.close()
    out_file = tmp_path / "x.csv"
    assert run_cli(capsys, "export", "--data-dir", str(tmp_path), "--out", str(out_file), "--bom")[0] == 0
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert row["kiosk"] == "'=cmd|' /C calc'!A0"
    assert row["question"] == "'+q" and row["label"] == "'@label" and row["language"] == "'-en"


def test_stats_json_seed_003_example(filled, capsys):
    code, out, _ = run_cli(capsys, "stats", "--data-dir", str(filled), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["responses"] == 100
    assert data["csat"] == 70.0
    assert data["distribution"] == {"1": 5, "2": 10, "3": 15, "4": 30, "5": 40}
    assert data["mean"] == pytest.approx((5 * 40 + 4 * 30 + 3 * 15 + 2 * 10 + 5) / 100, abs=0.01)
    low, high = data["ci95"]
    assert low == pytest.approx(60.4, abs=0.05) and high == pytest.approx(78.1, abs=0.05)


def test_stats_period_and_table(filled, capsys):
    day = DAY1.date().isoformat()
    code, out, _ = run_cli(capsys, "stats", "--data-dir", str(filled), "--since", day, "--until", day)
    assert code == 0
    assert "Responses      34" in out and "CSAT" in out and "Very satisfied" in out


def test_stats_on_an_empty_store(tmp_path, capsys):
    code, out, err = run_cli(capsys, "stats", "--data-dir", str(tmp_path / "none"), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["responses"] == 0 and data["csat"] is None and data["ci95"] is None
    assert "no responses yet" in err


@pytest.mark.parametrize("argv,message", [
    (["export", "--since", "2026-13-01"], "is not a date"),
    (["export", "--since", "2026-11-02", "--until", "2026-11-01"], "is after --until"),
    (["stats", "--bogus"], "unrecognized arguments"),
    (["nonsense"], "invalid choice"),
])
def test_argument_errors_are_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_export_to_an_unwritable_path(filled, capsys, tmp_path):
    code, _, err = run_cli(capsys, "export", "--data-dir", str(filled), "--out",
                           str(tmp_path / "missing-dir" / "x.csv"))
    assert code == 2 and "cannot write" in err


def test_second_kiosk_on_the_same_data_dir_is_refused(tmp_path, capsys):
    store = ResponseStore(tmp_path).open_writer()
    try:
        code, _, err = run_cli(capsys, "run", "--data-dir", str(tmp_path))
    finally:
        store.close()
    assert code == 2 and "already recording" in err and err.count("\n") == 1
