"""One snapshot of the figures of a Tally, ready for the admin view and JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .csat import check_threshold, csat_interval, csat_percent, distribution, mean_score
from .tally import Tally

__all__ = ["Summary", "summarize"]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class Summary:
    """The figures of one Tally.

    ``responses`` are the answers counted in the figures; ``flagged`` the
    misuse answers of the Tally (counted in ``responses`` only when the
    summary was made with ``include_flagged=True``). ``ci95`` is the 95 %
    Wilson interval of ``csat``. ``small_sample`` warns that ``responses`` is
    below the minimum asked for (always True with no answer).
    """

    responses: int
    flagged: int
    csat: float | None
    mean: float | None
    distribution: dict[int, tuple[int, float]]
    ci95: tuple[float, float] | None
    small_sample: bool
    threshold: int
    scale: tuple[int, int] = (1, 5)
    include_flagged: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict; floats rounded to 2 decimals, score keys as strings.

        Keys: ``responses``, ``flagged``, ``csat``, ``mean``, ``ci95``
        (``[low, high]`` or ``None``), ``distribution`` (``{"1": count, ...}``),
        ``distribution_percent``, ``small_sample``, ``threshold``, ``scale``,
        ``include_flagged``.
        """
        return {
            "responses": self.responses,
            "flagged": self.flagged,
            "csat": _round(self.csat),
            "mean": _round(self.mean),
            "ci95": None if self.ci95 is None else [round(self.ci95[0], 2), round(self.ci95[1], 2)],
            "distribution": {str(s): c for s, (c, _) in self.distribution.items()},
            "distribution_percent": {
                str(s): round(p, 2) for s, (_, p) in self.distribution.items()
            },
            "small_sample": self.small_sample,
            "threshold": self.threshold,
            "scale": list(self.scale),
            "include_flagged": self.include_flagged,
        }


def summarize(
    t: Tally,
    threshold: int = 4,
    min_responses: int = 30,
    include_flagged: bool = False,
) -> Summary:
    """All figures of ``t`` at once (see :mod:`scoring.csat` for the formulas).

    ``small_sample`` is ``responses < min_responses``. With
    ``include_flagged=True`` the flagged answers count as normal ones.
    """
    check_threshold(t, threshold)
    if isinstance(min_responses, bool) or not isinstance(min_responses, int) or min_responses < 0:
        raise ValueError(f"min_responses must be a non-negative integer, got {min_responses!r}")
    counted = t.combined() if include_flagged else t
    return Summary(
        responses=counted.n,
        flagged=t.n_flagged,
        csat=csat_percent(counted, threshold),
        mean=mean_score(counted),
        distribution=distribution(counted),
        ci95=csat_interval(counted, threshold, 0.95),
        small_sample=counted.n < min_responses,
        threshold=threshold,
        scale=t.scale,
        include_flagged=include_flagged,
    )
