"""Benjamini–Hochberg: the adjusted p-values R's p.adjust(method = "BH") gives."""
import random

import pytest

from scoring.fdr import bh_adjust, bh_reject


def test_matches_r_p_adjust():
    # p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") -> 0.02 0.04 0.04 0.02
    assert bh_adjust([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # p.adjust(c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205), "BH")
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]
    assert bh_adjust(p) == pytest.approx(
        [0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.08457143, 0.205], rel=1e-6)


def test_rejects_fewer_than_uncorrected_and_keeps_order():
    p = [0.04, 0.001, 0.03, 0.5]
    assert bh_reject(p) == [False, True, False, False]
    assert [x < 0.05 for x in p] == [True, True, True, False]


def test_steady_counter_finds_little():
    # 100 true nulls: uniform p-values.  Unadjusted, ~5 "findings"; BH at 5 %: rarely any.
    rng = random.Random(7)
    runs = [sum(bh_reject([rng.random() for _ in range(100)])) for _ in range(400)]
    assert sum(r > 0 for r in runs) / len(runs) <= 0.08  # FWER under the global null ≈ q


def test_edges_and_errors():
    assert bh_adjust([]) == []
    assert bh_adjust([1.0, 1.0]) == [1.0, 1.0]
    for bad in ([float("nan")], [1.5], [-0.1], [True]):
        with pytest.raises(ValueError):
            bh_adjust(bad)
    with pytest.raises(ValueError):
        bh_reject([0.1], q=0)
