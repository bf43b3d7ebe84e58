"""CSAT figures over a :class:`~scoring.tally.Tally`.

All functions use the unflagged answers only; pass ``tally.combined()`` to
count the flagged ones too. A figure with no data is ``None``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from .tally import Tally

__all__ = [
    "csat_percent",
    "mean_score",
    "distribution",
    "wilson_interval",
    "csat_interval",
    "check_threshold",
    "z_for_confidence",
]


def check_threshold(t: Tally, threshold: int) -> int:
    """Return ``threshold`` if it is a score of ``t``'s scale, else raise ValueError."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ValueError(f"threshold must be an integer score, got {threshold!r}")
    if not t.scale_min <= threshold <= t.scale_max:
        raise ValueError(
            f"threshold {threshold} is outside the scale {t.scale_min}..{t.scale_max}"
        )
    return threshold


def z_for_confidence(confidence: float) -> float:
    """Two-sided normal quantile: ``z = Φ⁻¹(1 − (1 − confidence) / 2)`` (1.95996… for 0.95)."""
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise ValueError(f"confidence must be a number, got {confidence!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


def csat_percent(t: Tally, threshold: int = 4) -> float | None:
    """Top-box CSAT: ``100 × (answers with score ≥ threshold) / n``.

    Seed 003: 100 answers, 70 of them 4 or 5 → ``70.0``. ``None`` when ``n == 0``.
    ValueError if ``threshold`` is not a score of the scale.
    """
    check_threshold(t, threshold)
    if t.n == 0:
        return None
    return 100.0 * t.at_least(threshold) / t.n


def mean_score(t: Tally) -> float | None:
    """Mean score: ``Σ score × count / n`` (O(1)); ``None`` when ``n == 0``."""
    if t.n == 0:
        return None
    return t.total / t.n


def distribution(t: Tally) -> dict[int, tuple[int, float]]:
    """``score -> (count, 100 × count / n)`` for every score of the scale, in order.

    Percents are all ``0.0`` when ``n == 0``; otherwise they sum to 100.
    """
    n = t.n
    return {
        score: (count, 100.0 * count / n if n else 0.0)
        for score, count in sorted(t.counts.items())
    }


def wilson_interval(
    successes: int, n: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Wilson score interval for a proportion, in percent.

    With ``p̂ = successes / n`` and ``z = Φ⁻¹(1 − (1 − confidence)/2)``::

        centre = (p̂ + z²/(2n)) / (1 + z²/n)
        half   = z / (1 + z²/n) × √(p̂(1 − p̂)/n + z²/(4n²))
        interval = 100 × (centre − half, centre + half)

    It stays inside [0, 100] and always contains ``100 × p̂``; the bounds are
    exactly 0 (or 100) when ``successes`` is 0 (or ``n``).
    70/100 at 95 % → (60.42…, 78.10…). ``None`` when ``n == 0``.
    """
    for name, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n})")
    z = z_for_confidence(confidence)
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (100.0 * low, 100.0 * high)


def csat_interval(
    t: Tally, threshold: int = 4, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Wilson interval (percent) around :func:`csat_percent`; ``None`` when ``n == 0``."""
    check_threshold(t, threshold)
    return wilson_interval(t.at_least(threshold), t.n, confidence)
