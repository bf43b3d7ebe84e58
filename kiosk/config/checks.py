"""The rules for each config.toml value: one check per kind of value, and the tables
and keys they apply to (``SCHEMA``, ``TEXT_SCHEMA``).  A check returns ``None`` or why the
value is refused; ``load.py`` turns that into one ``ConfigError`` line."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


import re


def _timezone(value: str) -> str | None:
    from kiosk.store.localtime import zone_problem

    return zone_problem(value)


# Each key: (python type(s) accepted, check returning an error text or None).
def _non_empty(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


MIN_SECONDS = 0.1  # below this a timer fires before anyone can see or touch the screen


def _seconds(value: float) -> str | None:
    if not MIN_SECONDS <= value <= 24 * 3600:
        return f"must be between {MIN_SECONDS} and 86400 seconds (a day), got {value}"
    return None


def _seconds_or_off(value: float) -> str | None:
    """For the timers whose comment in config.toml says "0: never"."""
    if value == 0:
        return None
    problem = _seconds(value)
    return f"{problem} (0 turns it off)" if problem else None


def _threshold(value: int) -> str | None:
    return None if 1 <= value <= 5 else f"must be between 1 and 5, got {value}"


def _labels(value: list[Any]) -> str | None:
    if len(value) != 5:
        return f"needs exactly 5 labels (from 1 = worst to 5 = best), got {len(value)}"
    for i, label in enumerate(value, 1):
        if not isinstance(label, str) or not label.strip():
            return f"label {i} must be a non-empty string"
    return None


def _percent(value: float) -> str | None:
    return None if 0 <= value <= 100 else f"must be between 0 and 100, got {value}"


def _positive(value: int) -> str | None:
    return None if value >= 1 else f"must be 1 or more, got {value}"


def _key_name(value: str) -> str | None:
    from kiosk.ui.keys import admin_key_problem

    return admin_key_problem(value)


def _path(value: str) -> str | None:
    if "\0" in value:
        return "must not contain a NUL character"
    return _non_empty(value)


_NUMBER = (int, float)


def _language(value: str) -> str | None:
    from kiosk.i18n import shipped_languages

    shipped = shipped_languages()
    return None if value in shipped else f"'{value}' has no texts; shipped: {', '.join(shipped)}"


def _languages(value: list[Any]) -> str | None:
    if not value:
        return "offer at least one language"
    for index, code in enumerate(value):
        if not isinstance(code, str):
            return f"language codes are strings, got {code!r}"
        problem = _language(code)
        if problem:
            return problem
        if code in value[:index]:
            return f"'{code}' is listed twice; list each language once"
    return None


def _input_mode(value: str) -> str | None:
    from kiosk.i18n import INPUT_MODES

    if value in INPUT_MODES:
        return None
    return f"must be one of {', '.join(repr(m) for m in INPUT_MODES)}, got {value!r}"


def _reasons(value: list[Any]) -> str | None:
    if not 1 <= len(value) <= 6:
        return f"give 1 to 6 reasons, got {len(value)}"
    if not all(isinstance(v, str) and v.strip() for v in value):
        return "every reason must be a non-empty string"
    return None


def _clock_time(value: str) -> str | None:

    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        return f"must be a time like \"08:30\" (24-hour), got {value!r}"
    return None


def _optional_text(value: str) -> str | None:
    return None


def database_url_problem(value: str) -> str | None:
    from urllib.parse import urlsplit

    text = value.strip()
    if not text:
        return "must not be empty"
    try:
        in_userinfo = text.startswith(("postgresql://", "postgres://")) and (
            urlsplit(text).password is not None)
    except ValueError:
        return "is not a valid postgresql:// URL"
    # key=value strings and URL query parameters name it the same way.
    if in_userinfo or re.search(r"(^|[\s?&])password\s*=", text, re.IGNORECASE):
        # Never echo the value: it holds a secret.
        return ("holds a password; remove it and put the password in a file of mode 0600 "
                "named by password_file, or in the variable named by password_env")
    return None


def _env_name(value: str) -> str | None:

    ok = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value)
    return None if ok else f"must be an environment variable name, got {value!r}"


def _reason_texts(value: dict[str, Any]) -> str | None:
    for reason, text in value.items():
        if not isinstance(text, str) or not text.strip():
            return f"reason '{reason}' must be a non-empty string, got {text!r}"
    return None

SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], Any]]] = {
    "kiosk": {
        "id": ((str,), _non_empty),
        "data_dir": ((str,), _path),
        "language": ((str,), _language),
        "languages": ((list,), _languages),
        "input": ((str,), _input_mode),
        "timezone": ((str,), _timezone),
    },
    "survey": {
        "question_id": ((str,), _non_empty),
        "question": ((str,), _non_empty),
        "labels": ((list,), _labels),
        "satisfied_threshold": ((int,), _threshold),
        "thank_you": ((str,), _non_empty),
    },
    "timing": {
        "thank_you_seconds": (_NUMBER, _seconds),
        "idle_reset_seconds": (_NUMBER, _seconds),
    },
    "admin": {
        "key": ((str,), _key_name),
        "target_csat": (_NUMBER, _percent),
        "min_responses": ((int,), _positive),
        "export_dir": ((str,), _path),
        "export_bom": ((bool,), lambda value: None),
        "idle_lock_seconds": (_NUMBER, _seconds),
    },
    "misuse": {
        "max_taps": ((int,), _positive),
        "window_seconds": (_NUMBER, _seconds),
    },
    "followup": {
        "enabled": ((bool,), _optional_text),
        "threshold": ((int,), _threshold),
        "reasons": ((list,), _reasons),
        "seconds": (_NUMBER, _seconds),
        "comment": ((bool,), _optional_text),
    },
    "nps": {
        "enabled": ((bool,), _optional_text),
        "seconds": (_NUMBER, _seconds),
    },
    "rest": {
        "attract_seconds": (_NUMBER, _seconds_or_off),
        "message": ((str,), _non_empty),
        "open": ((str,), _clock_time),
        "close": ((str,), _clock_time),
    },
    "sync": {
        "url": ((str,), database_url_problem),
        "password_file": ((str,), _non_empty),
        "password_env": ((str,), _env_name),
        "interval_seconds": (_NUMBER, _seconds),
        "batch": ((int,), _positive),
    },
}

# [texts.<language>] tables may override these customer texts of that language.
TEXT_SCHEMA: dict[str, tuple[tuple[type, ...], Any]] = {
    "name": ((str,), _non_empty), "question": ((str,), _non_empty),
    "labels": ((list,), _labels), "hint": ((str,), _optional_text),
    "key_hint": ((str,), _optional_text), "nps_key_hint": ((str,), _optional_text),
    "thank_you": ((str,), _non_empty), "followup_question": ((str,), _non_empty),
    "skip": ((str,), _non_empty), "comment_prompt": ((str,), _non_empty),
    "nps_question": ((str,), _non_empty), "nps_low": ((str,), _optional_text),
    "nps_high": ((str,), _optional_text), "nps_hint": ((str,), _optional_text),
    "closed": ((str,), _non_empty),
    "attract": ((str,), _non_empty), "reasons": ((dict,), _reason_texts),
}
