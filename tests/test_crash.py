"""Power cuts: 50 SIGKILLs at random instants lose no acknowledged tap (see crash_harness.py;
`python tests/crash_harness.py --full` runs 500)."""
from __future__ import annotations

from tests.crash_harness import run


def test_fifty_kills_lose_no_acknowledged_tap():
    report = run(kills=50, seed=2026)
    assert report.kills == 50
    assert report.acknowledged > 50  # the child really was writing when killed
    assert report.lost == 0
    assert report.stored >= report.acknowledged
