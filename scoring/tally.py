"""A mergeable count of answers on one rating scale.

:class:`Tally` is the unit of all incremental aggregation in the kiosk: one
per day and hour, merged into totals, serialised into per-period summaries.
It keeps one counter per score of the scale plus, apart, the answers flagged
as misuse (which are *not* part of ``n``, ``total`` or any figure unless the
caller asks for them with :meth:`Tally.combined`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from operator import mul
from typing import Any

__all__ = ["Tally"]


def _is_int(value: object) -> bool:
    """True for a real int (``bool`` is refused: ``True`` is not a score)."""
    return isinstance(value, int) and not isinstance(value, bool)


class Tally:
    """Counts of answers per score on the scale ``scale_min..scale_max``.

    Invariants, kept by every method:

    - ``counts`` and ``flagged`` have one key per score of the scale (0 if none);
    - ``n == sum(counts.values())``, ``n_flagged == sum(flagged.values())``;
    - ``total == sum(score * count for score, count in counts.items())``.

    ``add`` is O(1); ``n``, ``total`` (and so the mean) are O(1).
    """

    __slots__ = ("_min", "_max", "_counts", "_flagged", "_n", "_n_flagged", "_total")
    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __init__(self, scale_min: int = 1, scale_max: int = 5) -> None:
        if not (_is_int(scale_min) and _is_int(scale_max)):
            raise ValueError(
                f"scale bounds must be integers, got {scale_min!r} and {scale_max!r}"
            )
        if scale_min >= scale_max:
            raise ValueError(
                f"scale_min must be below scale_max, got {scale_min}..{scale_max}"
            )
        self._min = scale_min
        self._max = scale_max
        self._counts = dict.fromkeys(range(scale_min, scale_max + 1), 0)
        self._flagged = dict.fromkeys(range(scale_min, scale_max + 1), 0)
        self._n = 0
        self._n_flagged = 0
        self._total = 0

    # -- construction -------------------------------------------------------

    @classmethod
    def of(cls, scores: Iterable[int], scale_min: int = 1, scale_max: int = 5) -> Tally:
        """A Tally of the (unflagged) ``scores``."""
        tally = cls(scale_min, scale_max)
        for score in scores:
            tally.add(score)
        return tally

    @classmethod
    def from_counts(cls, counts: Sequence[int], flagged: Sequence[int] = (),
                    scale_min: int = 1) -> Tally:
        """A Tally from counts per score in scale order (``counts[0]`` is the count of
        ``scale_min``), and flagged counts likewise.  Fast (no per-key parsing): the
        store rebuilds thousands of them from its per-day summaries."""
        if not counts or min(counts) < 0 or (flagged and min(flagged) < 0):
            raise ValueError("counts must be given and not negative")
        if len(flagged) > len(counts):
            raise ValueError("more flagged counts than scores")
        scores = range(scale_min, scale_min + len(counts))
        tally = cls.__new__(cls)  # every field is set here: skip __init__'s checks
        tally._min, tally._max = scale_min, scores[-1]
        tally._counts = dict(zip(scores, counts))
        tally._flagged = dict.fromkeys(scores, 0)
        tally._flagged.update(zip(scores, flagged))
        tally._n = sum(counts)
        tally._n_flagged = sum(flagged)
        tally._total = sum(map(mul, scores, counts))
        return tally

    def copy(self) -> Tally:
        """An independent copy."""
        new = Tally(self._min, self._max)
        new._counts = dict(self._counts)
        new._flagged = dict(self._flagged)
        new._n = self._n
        new._n_flagged = self._n_flagged
        new._total = self._total
        return new

    # -- reading ------------------------------------------------------------

    @property
    def scale_min(self) -> int:
        return self._min

    @property
    def scale_max(self) -> int:
        return self._max

    @property
    def scale(self) -> tuple[int, int]:
        """``(scale_min, scale_max)``."""
        return (self._min, self._max)

    @property
    def counts(self) -> dict[int, int]:
        """Unflagged answers per score, every score of the scale present (a copy)."""
        return dict(self._counts)

    @property
    def flagged(self) -> dict[int, int]:
        """Flagged (misuse) answers per score, every score present (a copy)."""
        return dict(self._flagged)

    @property
    def n(self) -> int:
        """Number of unflagged answers."""
        return self._n

    @property
    def n_flagged(self) -> int:
        """Number of flagged answers (not part of ``n``)."""
        return self._n_flagged

    @property
    def total(self) -> int:
        """Sum of the scores of the unflagged answers: ``Σ score × count``."""
        return self._total

    def at_least(self, threshold: int) -> int:
        """Number of unflagged answers with ``score >= threshold``."""
        return sum(c for score, c in self._counts.items() if score >= threshold)

    def __repr__(self) -> str:
        return (
            f"Tally({self._min}, {self._max}, counts={self._counts!r}, "
            f"flagged={self._flagged!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return (
            self.scale == other.scale
            and self._counts == other._counts
            and self._flagged == other._flagged
        )

    # -- writing ------------------------------------------------------------

    def _check_score(self, score: object) -> int:
        if not _is_int(score):
            raise ValueError(f"a score must be an integer, got {score!r}")
        if not self._min <= score <= self._max:  # type: ignore[operator]
            raise ValueError(
                f"score {score} is outside the scale {self._min}..{self._max}"
            )
        return score  # type: ignore[return-value]

    def add(self, score: int, flagged: bool = False) -> None:
        """Count one answer; a flagged one is kept apart from ``n`` and ``total``."""
        score = self._check_score(score)
        if flagged:
            self._flagged[score] += 1
            self._n_flagged += 1
        else:
            self._counts[score] += 1
            self._n += 1
            self._total += score

    def _check_same_scale(self, other: object) -> Tally:
        if not isinstance(other, Tally):
            raise ValueError(f"can only combine a Tally with a Tally, got {other!r}")
        if other.scale != self.scale:
            raise ValueError(
                f"cannot combine tallies on different scales: "
                f"{self._min}..{self._max} and {other._min}..{other._max}"
            )
        return other

    def update(self, other: Tally) -> None:
        """Add the counts of ``other`` to this Tally, in place."""
        other = self._check_same_scale(other)
        for score, c in other._counts.items():
            self._counts[score] += c
        for score, c in other._flagged.items():
            self._flagged[score] += c
        self._n += other._n
        self._n_flagged += other._n_flagged
        self._total += other._total

    def merge(self, other: Tally) -> Tally:
        """A new Tally with the counts of both (ValueError if the scales differ)."""
        merged = self.copy()
        merged.update(other)
        return merged

    def __add__(self, other: object) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return self.merge(other)

    def combined(self) -> Tally:
        """A new Tally where the flagged answers count as normal answers.

        Use it to include misuse in the figures on purpose:
        ``csat_percent(t.combined())``.
        """
        new = Tally(self._min, self._max)
        for score in self._counts:
            c = self._counts[score] + self._flagged[score]
            new._counts[score] = c
            new._total += score * c
        new._n = self._n + self._n_flagged
        return new

    # -- serialisation ------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"scale": [min, max], "counts": {"1": n, ...}, "flagged": {...}}``."""
        return {
            "scale": [self._min, self._max],
            "counts": {str(s): c for s, c in self._counts.items()},
            "flagged": {str(s): c for s, c in self._flagged.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tally:
        """Rebuild a Tally from :meth:`to_dict` output.

        Keys of ``counts``/``flagged`` may be score strings (as JSON gives them)
        or ints; a missing score counts 0; ``flagged`` may be omitted.
        Anything else malformed (unknown keys, scores off the scale, negative or
        non-integer counts) raises ValueError.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a tally must be a mapping, got {type(data).__name__}")
        unknown = set(data) - {"scale", "counts", "flagged"}
        if unknown:
            raise ValueError(f"unknown tally key(s): {', '.join(sorted(map(str, unknown)))}")
        if "scale" not in data or "counts" not in data:
            raise ValueError("a tally needs 'scale' and 'counts'")
        scale = data["scale"]
        if (
            not isinstance(scale, (list, tuple))
            or len(scale) != 2
            or not all(_is_int(b) for b in scale)
        ):
            raise ValueError(f"'scale' must be [min, max] integers, got {scale!r}")
        tally = cls(scale[0], scale[1])
        for field, flagged in (("counts", False), ("flagged", True)):
            section = data.get(field, {})
            if not isinstance(section, Mapping):
                raise ValueError(f"'{field}' must be a mapping, got {section!r}")
            seen: set[int] = set()
            for key, count in section.items():
                score = _parse_score_key(key, field)
                tally._check_score(score)
                if score in seen:
                    raise ValueError(f"'{field}' has score {score} twice")
                seen.add(score)
                if not _is_int(count) or count < 0:
                    raise ValueError(
                        f"'{field}' count for score {score} must be a non-negative "
                        f"integer, got {count!r}"
                    )
                target = tally._flagged if flagged else tally._counts
                target[score] += count
                if flagged:
                    tally._n_flagged += count
                else:
                    tally._n += count
                    tally._total += score * count
        return tally


def _parse_score_key(key: object, field: str) -> int:
    if _is_int(key):
        return key  # type: ignore[return-value]
    if isinstance(key, str) and re.fullmatch(r"-?[0-9]+", key):
        return int(key)
    raise ValueError(f"'{field}' key must be a score, got {key!r}")
