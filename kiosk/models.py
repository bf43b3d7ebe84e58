"""The one record the kiosk keeps: a customer's response."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def new_response_id() -> str:
    """A random UUID: unique even when exports of many kiosks are merged."""
    return str(uuid.uuid4())


def local_now() -> datetime:
    """Now, timezone-aware, in the system's zone (the kiosk uses its configured
    zone instead: ``kiosk.store.localtime.Calendar.now``)."""
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Response:
    id: str
    timestamp: datetime  # timezone-aware, local offset
    kiosk: str
    question: str
    score: int
    label: str
    language: str
    flagged: bool = False
    # Added after the tap, on the same record (follow-up and NPS screens).
    reason: str | None = None
    comment: str | None = None
    nps: int | None = None

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() is None:
            raise ValueError(f"response {self.id}: timestamp {self.timestamp} has no UTC offset")

    # Its local day and hour are not the record's business: they depend on the
    # configured zone (kiosk.store.localtime.Calendar).

    def to_doc(self) -> dict[str, Any]:
        """The stored record: every field, the timestamp as ISO 8601, the
        annotations only when given (most taps have none: short lines).
        Written out field by field: ``dataclasses.asdict`` deep-copies (30 us
        a response against 1 us here, it counts in bulk loads)."""
        doc: dict[str, Any] = {
            "id": self.id, "timestamp": self.timestamp.isoformat(), "kiosk": self.kiosk,
            "question": self.question, "score": self.score, "label": self.label,
            "language": self.language, "flagged": self.flagged}
        if self.reason is not None:
            doc["reason"] = self.reason
        if self.comment is not None:
            doc["comment"] = self.comment
        if self.nps is not None:
            doc["nps"] = self.nps
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Response:
        return cls(
            id=doc["id"],
            timestamp=datetime.fromisoformat(doc["timestamp"]),
            kiosk=doc["kiosk"],
            question=doc["question"],
            score=int(doc["score"]),
            label=doc["label"],
            language=doc["language"],
            flagged=bool(doc.get("flagged", False)),
            reason=doc.get("reason"),
            comment=doc.get("comment"),
            nps=doc.get("nps"),
        )


ANNOTATIONS = ("reason", "comment", "nps")
_TEXT_FIELDS = ("kiosk", "question", "label", "language")


def doc_problem(doc: Any) -> str | None:
    """Why a stored document is not a usable response, or None when it is one
    (a damaged or foreign file can hold valid JSON of any shape)."""
    if type(doc) is not dict:
        return "not an object"
    if type(doc.get("id")) is not str:
        return "id missing or not text"
    stamp = doc.get("timestamp")
    try:
        if type(stamp) is not str or datetime.fromisoformat(stamp).utcoffset() is None:
            return "timestamp missing or without a UTC offset"
    except ValueError:
        return f"timestamp {stamp!r} is not ISO 8601"
    comment = doc.get("comment")
    if comment is not None and type(comment) is not str:
        return "comment is not text"
    return answer_problem(doc)


def answer_problem(doc: dict[str, Any]) -> str | None:
    """``doc_problem`` for the fields that repeat from record to record (kiosk,
    question, score, label, language, flagged, reason, NPS): the export checks
    them once per distinct combination."""
    for name in _TEXT_FIELDS:
        if type(doc.get(name)) is not str:
            return f"{name} missing or not text"
    score = doc.get("score")
    if type(score) is not int or not 1 <= score <= 5:
        return f"score {score!r} is not 1-5"
    if type(doc.get("flagged", False)) is not bool:
        return "flagged is not true/false"
    reason = doc.get("reason")
    if reason is not None and type(reason) is not str:
        return "reason is not text"
    nps = doc.get("nps")
    if nps is not None and (type(nps) is not int or not 0 <= nps <= 10):
        return f"nps {nps!r} is not 0-10"
    return None
