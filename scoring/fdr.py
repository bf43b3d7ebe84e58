"""False discovery rate control across many tests at once (Benjamini–Hochberg).

A report that scans many cells (7 weekdays × hour blocks, dozens of reasons,
several periods) runs many tests: at ``p < 0.05`` each, a steady counter would
"find" something every week.  Benjamini & Hochberg (1995) keep the expected
share of false findings among those reported at or below ``q``:

    sort the m p-values p₍₁₎ ≤ … ≤ p₍ₘ₎;
    k = the largest i with p₍ᵢ₎ ≤ i·q/m;
    reject (report) the k smallest — none when no such i exists.

The BH-adjusted p-value of p₍ᵢ₎ is ``min over j ≥ i of (m·p₍ⱼ₎ / j)``, capped at 1;
a test is rejected at level q exactly when its adjusted p-value is ≤ q.
Valid for independent or positively dependent tests (PRDS).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["bh_adjust", "bh_reject"]


def _check(p_values: Sequence[float]) -> list[float]:
    values = list(p_values)
    for p in values:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or math.isnan(p) \
                or not 0.0 <= p <= 1.0:
            raise ValueError(f"a p-value must be a number in [0, 1], got {p!r}")
    return [float(p) for p in values]


def bh_adjust(p_values: Sequence[float]) -> list[float]:
    """BH-adjusted p-values, in the order given (see the module doc). ``[]`` for ``[]``."""
    values = _check(p_values)
    m = len(values)
    order = sorted(range(m), key=values.__getitem__)
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):  # from the largest p-value down
        index = order[rank - 1]
        running = min(running, values[index] * m / rank)
        adjusted[index] = min(1.0, running)
    return adjusted


def bh_reject(p_values: Sequence[float], q: float = 0.05) -> list[bool]:
    """Which hypotheses the Benjamini–Hochberg procedure rejects at FDR level ``q``."""
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    return [p <= q for p in bh_adjust(p_values)]
