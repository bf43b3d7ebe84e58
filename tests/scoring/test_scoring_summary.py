from __future__ import annotations

import json

import pytest

from scoring import Summary, Tally, summarize


def seed_003() -> Tally:
    return Tally.of([5] * 40 + [4] * 30 + [3] * 20 + [2] * 6 + [1] * 4)


def test_summary_of_seed_003() -> None:
    s = summarize(seed_003())
    assert s.responses == 100
    assert s.flagged == 0
    assert s.csat == 70.0
    assert s.mean == pytest.approx(3.96)
    assert s.distribution[4] == (30, 30.0)
    assert s.ci95 is not None
    assert s.ci95[0] == pytest.approx(60.415, abs=1e-3)
    assert s.small_sample is False
    assert s.threshold == 4


def test_empty_summary() -> None:
    s = summarize(Tally())
    assert (s.responses, s.csat, s.mean, s.ci95) == (0, None, None, None)
    assert s.small_sample is True
    j = s.to_json()
    assert j["csat"] is None and j["ci95"] is None and j["mean"] is None
    assert j["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}


def test_small_sample_threshold() -> None:
    assert summarize(Tally.of([5] * 29)).small_sample is True
    assert summarize(Tally.of([5] * 30)).small_sample is False
    assert summarize(Tally.of([5] * 3), min_responses=3).small_sample is False
    assert summarize(Tally(), min_responses=0).small_sample is False
    with pytest.raises(ValueError, match="min_responses"):
        summarize(Tally(), min_responses=-1)


def test_flagged_excluded_by_default_included_when_asked() -> None:
    t = Tally.of([5] * 3)
    t.add(1, flagged=True)
    s = summarize(t)
    assert (s.responses, s.flagged, s.csat) == (3, 1, 100.0)
    assert s.distribution[1] == (0, 0.0)
    s2 = summarize(t, include_flagged=True)
    assert (s2.responses, s2.flagged, s2.csat) == (4, 1, 75.0)
    assert s2.distribution[1] == (1, 25.0)
    assert s2.to_json()["include_flagged"] is True


def test_threshold_and_ten_point_scale() -> None:
    t = Tally.of([10, 9, 8, 7, 1], 1, 10)
    s = summarize(t, threshold=9)
    assert s.csat == 40.0
    assert s.to_json()["distribution"]["10"] == 1
    assert len(s.to_json()["distribution"]) == 10
    with pytest.raises(ValueError):
        summarize(t, threshold=11)


def test_to_json_rounds_and_is_serialisable() -> None:
    t = Tally.of([5, 4, 1])
    j = summarize(t).to_json()
    assert json.loads(json.dumps(j)) == j
    assert j["csat"] == 66.67
    assert j["mean"] == 3.33
    assert j["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert j["distribution_percent"]["1"] == 33.33
    low, high = j["ci95"]
    assert low == round(low, 2) and high == round(high, 2)
    assert low < 66.67 < high
    assert j["responses"] == 3 and j["flagged"] == 0 and j["small_sample"] is True


def test_summary_is_frozen() -> None:
    s = summarize(Tally.of([5]))
    assert isinstance(s, Summary)
    with pytest.raises(AttributeError):
        s.csat = 1.0  # type: ignore[misc]
