"""Process kills: 50 SIGKILLs at random instants lose no acknowledged tap (see crash_harness.py;
`python tests/crash_harness.py --full` runs 500).  A kill keeps the page cache, so it cannot
see a missing fsync: power cuts are modelled in tests/store/test_power_loss.py."""
from __future__ import annotations

from tests.crash_harness import run


def test_fifty_kills_lose_no_acknowledged_tap():
    report = run(kills=50, seed=2026)
    assert report.kills == 50
    assert report.acknowledged > 50  # the child really was writing when killed
    assert report.lost == 0
    assert report.stored >= report.acknowledged
