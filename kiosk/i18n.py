"""Customer-facing texts per language, from the data files in kiosk/locales/.

A key missing in a language falls back to the default language, then to English,
so a half-done translation never crashes the kiosk.  The config can override any
text of any language (``[texts.fr] question = "..."``)."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

FALLBACK = "en"
_LOCALES = resources.files("kiosk") / "locales"
TEXT_KEYS = ("name", "question", "labels", "hint", "key_hint", "thank_you",
             "followup_question", "skip", "comment_prompt", "nps_question", "nps_low",
             "nps_high", "nps_hint", "nps_key_hint", "closed", "attract")
# [kiosk] input: how customers answer, which decides the hints and key prefixes shown.
INPUT_MODES = ("touch", "keys", "both")


@dataclass(frozen=True)
class Texts:
    language: str
    name: str
    question: str
    labels: tuple[str, ...]
    hint: str  # for touch ("Tap an answer")
    key_hint: str  # for keys ("Press 1 to 5")
    thank_you: str
    followup_question: str
    skip: str
    comment_prompt: str
    nps_question: str
    nps_low: str
    nps_high: str
    nps_hint: str
    nps_key_hint: str
    closed: str
    attract: str
    reasons: dict[str, str] = field(default_factory=dict)

    def hint_for(self, input_mode: str) -> str:
        return _join(input_mode, self.hint, self.key_hint)

    def nps_hint_for(self, input_mode: str) -> str:
        return _join(input_mode, self.nps_hint, self.nps_key_hint)

    def reason_label(self, reason_id: str) -> str:
        """The shown text of a reason; a configured reason without a translation shows as is."""
        return self.reasons.get(reason_id, reason_id)


def _join(input_mode: str, touch: str, keys: str) -> str:
    if input_mode == "touch":
        return touch
    if input_mode == "keys":
        return keys
    return f"{touch}  ·  {keys}"


def shows_keys(input_mode: str) -> bool:
    """Whether key digits are shown on buttons (only where keys are a way in)."""
    return input_mode in ("keys", "both")


@cache
def shipped_languages() -> tuple[str, ...]:
    """Language codes that have a data file, English first."""
    codes = sorted(p.name.removesuffix(".toml") for p in _LOCALES.iterdir()
                   if p.name.endswith(".toml"))
    return tuple(sorted(codes, key=lambda c: (c != FALLBACK, c)))


@cache
def _locale_file(language: str) -> dict[str, Any]:
    try:
        text = _LOCALES.joinpath(f"{language}.toml").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}  # a broken data file falls back too (tests check the shipped ones)


def load_texts(language: str, default: str = FALLBACK,
               overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Texts:
    """Texts of ``language``; each missing key from ``default``, then English."""
    overrides = overrides or {}
    layers = [_locale_file(FALLBACK), overrides.get(FALLBACK, {}),
              _locale_file(default), overrides.get(default, {}),
              _locale_file(language), overrides.get(language, {})]
    merged: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for layer in layers:
        for key, value in layer.items():
            if key == "reasons" and isinstance(value, Mapping):
                reasons.update({str(k): str(v) for k, v in value.items()})
            elif key in TEXT_KEYS:
                if key == "labels" and not (isinstance(value, list) and len(value) == 5):
                    continue  # a wrong label list is skipped, never half-applied
                merged[key] = value
    merged["labels"] = tuple(merged["labels"])
    return Texts(language=language, reasons=reasons, **merged)
