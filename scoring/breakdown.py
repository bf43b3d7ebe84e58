"""Counts by category that sit beside the score tallies: language, low-score
reason, and the optional NPS answer.  Mergeable like :class:`Tally`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .tally import Tally

__all__ = ["Breakdown"]


class Breakdown:
    """``languages``: language -> Tally of its answers; ``reasons``: reason -> count;
    ``nps``: Tally on the 0-10 scale of the NPS answers."""

    __slots__ = ("languages", "reasons", "nps")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self.languages: dict[str, Tally] = {}
        self.reasons: dict[str, int] = {}
        self.nps = Tally(0, 10)

    def add(self, language: str, score: int, flagged: bool = False,
            reason: str | None = None, nps: int | None = None) -> None:
        """Count one response, O(1).  Flagged responses count in their language's
        Tally as flagged; their reason and NPS answer are not counted."""
        self.languages.setdefault(language, Tally()).add(score, flagged)
        if flagged:
            return
        if reason:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if nps is not None:
            self.nps.add(nps)

    def update(self, other: Breakdown) -> None:
        for language, tally in other.languages.items():
            self.languages.setdefault(language, Tally()).update(tally)
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count
        self.nps.update(other.nps)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Breakdown):
            return NotImplemented
        return (self.languages == other.languages and self.reasons == other.reasons
                and self.nps == other.nps)

    def to_dict(self) -> dict[str, Any]:
        return {"languages": {k: v.to_dict() for k, v in self.languages.items()},
                "reasons": dict(self.reasons), "nps": self.nps.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Breakdown:
        """ValueError on anything malformed."""
        if not isinstance(data, Mapping):
            raise ValueError("a breakdown must be a mapping")
        new = cls()
        try:
            new.languages = {str(k): Tally.from_dict(v) for k, v in data["languages"].items()}
            reasons = data["reasons"]
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                       for v in reasons.values()):
                raise ValueError("reason counts must be non-negative integers")
            new.reasons = {str(k): v for k, v in reasons.items()}
            new.nps = Tally.from_dict(data["nps"])
        except (KeyError, AttributeError, TypeError) as exc:
            raise ValueError(f"malformed breakdown: {exc}") from None
        if new.nps.scale != (0, 10):
            raise ValueError("the NPS tally must be on the 0-10 scale")
        return new
