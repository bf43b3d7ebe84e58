"""Net Promoter Score on the 0–10 "would you recommend us?" scale (seed 001).

Promoters answer 9–10, passives 7–8, detractors 0–6.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from .csat import z_for_confidence
from .tally import Tally

__all__ = ["nps", "nps_interval", "nps_counts", "PROMOTER_MIN", "DETRACTOR_MAX"]

PROMOTER_MIN = 9
DETRACTOR_MAX = 6

NpsData = Tally | Mapping[int, int] | Iterable[int]


def _as_tally(data: NpsData) -> Tally:
    if isinstance(data, Tally):
        if data.scale != (0, 10):
            raise ValueError(
                f"NPS needs a 0..10 scale, got {data.scale_min}..{data.scale_max}"
            )
        return data
    if isinstance(data, Mapping):
        return Tally.from_dict({"scale": [0, 10], "counts": dict(data)})
    if isinstance(data, (str, bytes)):
        raise ValueError(f"NPS needs scores, counts or a Tally, got {data!r}")
    return Tally.of(data, 0, 10)


def nps_counts(data: NpsData) -> tuple[int, int, int]:
    """``(promoters, passives, detractors)`` of a 0–10 Tally, counts mapping or scores."""
    t = _as_tally(data)
    promoters = t.at_least(PROMOTER_MIN)
    detractors = t.n - t.at_least(DETRACTOR_MAX + 1)
    return promoters, t.n - promoters - detractors, detractors


def nps(scores_tally_or_counts: NpsData) -> float | None:
    """``NPS = 100 × (promoters − detractors) / n``, in [−100, 100].

    Accepts a ``Tally(0, 10)``, a mapping ``score -> count`` or an iterable of
    scores 0–10. 50 promoters, 30 passives, 20 detractors → ``30.0``.
    ``None`` when there is no answer; ValueError for a Tally not on 0..10.
    """
    promoters, passives, detractors = nps_counts(scores_tally_or_counts)
    n = promoters + passives + detractors
    if n == 0:
        return None
    return 100.0 * (promoters - detractors) / n


def nps_interval(
    t: NpsData, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Adjusted-Wald confidence interval for the NPS, in NPS points.

    The method recommended by Rocks (2016, *The American Statistician*,
    "Interval estimation for the Net Promoter Score") and by Sauro & Lewis:
    add 3 pseudo-answers — ¾ promoter, ¾ detractor, 1½ passive — then use the
    variance of the trinomial difference of proportions::

        n'  = n + 3
        p'  = (promoters + ¾) / n'         d' = (detractors + ¾) / n'
        s'  = p' − d'
        var = (p' + d' − s'²) / n'
        interval = 100 × (s' ± z √var), clipped to [−1, 1]

    Unlike the plain Wald interval it does not collapse to a single point when
    every answer is the same. For very small samples (n ≤ 2) the adjusted
    interval may miss the observed NPS; it is then widened to include it, so
    the reported interval always contains :func:`nps`. ``None`` when empty.
    """
    promoters, passives, detractors = nps_counts(t)
    z = z_for_confidence(confidence)
    n = promoters + passives + detractors
    if n == 0:
        return None
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    s = p - d
    var = max(0.0, (p + d - s * s) / n_adj)
    half = z * math.sqrt(var)
    observed = (promoters - detractors) / n
    low = max(-1.0, min(s - half, observed))
    high = min(1.0, max(s + half, observed))
    return (100.0 * low, 100.0 * high)
