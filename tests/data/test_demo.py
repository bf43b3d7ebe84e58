"""`kiosk demo`: realistic, deterministic synthetic responses through the bulk path."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.data.demo import generate
from kiosk.store.response_store import ResponseStore
from scoring import Tally, csat_percent

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")


def demo(data_dir: Path, *extra: str) -> int:
    return main(["demo", "--config", CONFIG, "--data-dir", str(data_dir), *extra])


def test_demo_fills_the_data_dir_with_the_asked_count(tmp_path, capsys):
    data = tmp_path / "data"
    assert demo(data, "--days", "10", "--per-day", "40", "--seed", "7") == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "400" in out[0] and "10 day" in out[0] and str(data) in out[0]
    store = ResponseStore(data)
    docs = list(store.iter_docs())
    assert len(docs) == 400
    assert len({d["id"] for d in docs}) == 400
    today = datetime.now().astimezone().date()
    days = store.days()
    assert days[-1] <= today and days[0] >= today - timedelta(days=9)
    config = load_config(CONFIG)
    now = datetime.now().astimezone()
    for doc in docs:
        stamp = datetime.fromisoformat(doc["timestamp"])
        assert stamp.utcoffset() is not None and stamp <= now
        assert doc["kiosk"] == config.kiosk.id
        assert doc["question"] == config.survey.question_id
        assert doc["language"] in config.kiosk.languages
        assert doc["label"] == config.texts(doc["language"]).labels[doc["score"] - 1]
        if doc.get("reason") is not None:
            assert doc["score"] <= config.followup.threshold
            assert doc["reason"] in config.followup.reasons
    languages = [d["language"] for d in docs]
    assert languages.count(config.kiosk.language) > len(docs) // 2  # most keep the default
    assert any(d.get("reason") for d in docs)


def test_stats_json_agrees_with_the_rows(tmp_path, capsys):
    data = tmp_path / "data"
    assert demo(data, "--days", "14", "--per-day", "60", "--seed", "3") == 0
    capsys.readouterr()
    assert main(["stats", "--config", CONFIG, "--data-dir", str(data), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    scores = Counter(d["score"] for d in ResponseStore(data).iter_docs())
    assert stats["responses"] == 14 * 60
    assert stats["distribution"] == {str(s): scores[s] for s in range(1, 6)}
    # the primed summaries equal a re-read of the day files
    (data / "summaries.json").unlink()
    assert main(["stats", "--config", CONFIG, "--data-dir", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == stats


def test_same_seed_same_data_and_another_seed_differs():
    config = load_config(CONFIG)
    now = datetime(2026, 3, 14, 15, 9, 26).astimezone()
    first = list(generate(config, 5, 50, seed=42, now=now))
    again = list(generate(config, 5, 50, seed=42, now=now))
    other = list(generate(config, 5, 50, seed=43, now=now))
    assert first == again
    assert [r.score for r in first] != [r.score for r in other]
    assert len(first) == 250 and max(r.timestamp for r in first) <= now


def test_realistic_shape():
    config = load_config(CONFIG)
    now = datetime(2026, 3, 14, 21, 0).astimezone()  # a Saturday evening
    responses = list(generate(config, 84, 200, seed=5, now=now))
    tally = Tally.of(r.score for r in responses)
    assert 75 <= csat_percent(tally) <= 85
    hours = Counter(r.timestamp.hour for r in responses)
    assert set(hours) <= set(range(8, 20))
    assert hours[12] > hours[9] and hours[17] > hours[15]  # lunch and late-afternoon peaks
    weekday = Counter(r.timestamp.weekday() for r in responses)
    assert weekday[5] > weekday[1]  # Saturday busier than Tuesday
    per_day: dict = {}
    for r in responses:
        per_day.setdefault(r.timestamp.date(), Tally()).add(r.score)
    worst = min(csat_percent(t) for t in per_day.values())
    assert worst < 65  # a few bad days


def test_today_stops_at_now():
    config = load_config(CONFIG)
    now = datetime(2026, 3, 10, 13, 0).astimezone()
    responses = list(generate(config, 3, 300, seed=1, now=now))
    today = [r for r in responses if r.timestamp.date() == now.date()]
    assert today and all(r.timestamp <= now for r in today)
    # before opening there is still exactly the asked count, all in the past
    early = datetime(2026, 3, 10, 6, 30).astimezone()
    only_today = list(generate(config, 1, 20, seed=1, now=early))
    assert len(only_today) == 20 and all(r.timestamp <= early for r in only_today)


def test_refuses_a_data_dir_with_responses(tmp_path, capsys):
    data = tmp_path / "data"
    assert demo(data, "--days", "2", "--per-day", "5") == 0
    before = sorted(p.read_bytes() for p in (data / "responses").iterdir())
    capsys.readouterr()
    assert demo(data, "--days", "2", "--per-day", "5") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds responses" in err[0] and "--data-dir" in err[0]
    assert sorted(p.read_bytes() for p in (data / "responses").iterdir()) == before


@pytest.mark.parametrize("flag", ["--days", "--per-day"])
def test_refuses_non_positive_sizes(tmp_path, capsys, flag):
    assert demo(tmp_path / "data", flag, "0") == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
