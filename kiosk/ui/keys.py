"""Which keys the kiosk locks, which the customer uses, and which a terminal can send.

Kept apart from the app so that the config check can tell whether an ``[admin] key``
can ever fire without loading the whole user interface."""
from __future__ import annotations

import string

# Keys that would leave, suspend or open something on a stock Textual app: bound to
# nothing on the kiosk (KioskApp and AdminApp bind them with priority).
LOCKED_KEYS = "ctrl+q,ctrl+c,ctrl+p,ctrl+z,ctrl+backslash,ctrl+d"

# Keys the survey screen answers with (SurveyScreen.BINDINGS; a test keeps them in step):
# an admin key among them would take the customer's key away, or never fire.
CUSTOMER_KEYS = frozenset({"1", "2", "3", "4", "5", "left", "right", "up", "down",
                           "enter", "space", "l", "tab"})


def _sendable_keys() -> frozenset[str]:
    """Key names Textual can produce from a terminal: its named keys, every printable
    ASCII character under the name Textual gives it, and alt+ a character."""
    from textual.keys import KEY_ALIASES, Keys, _character_to_key

    # Aliases ("ctrl+m" for enter) and the two placeholders never arrive as such.
    never = {alias for aliases in KEY_ALIASES.values() for alias in aliases}
    never |= {"<any>", "<ignore>", "ctrl-at", "return"}
    named = {key.value for key in Keys} - never
    characters = {_character_to_key(c) for c in string.printable if c.isprintable() and c != " "}
    alt = {f"alt+{key}" for key in characters if len(key) == 1 and not key.isupper()}
    return frozenset(named | characters | alt)


def admin_key_problem(value: str) -> str | None:
    """Why ``value`` cannot be the key that opens the PIN screen, or None if it can."""
    import difflib

    from textual.keys import _character_to_key

    locked = set(LOCKED_KEYS.split(",")) | {"escape"}  # escape is bound to nothing too
    name = _character_to_key(value) if len(value) == 1 else value
    if not value.strip():
        return "must not be empty"
    if name in locked or value in locked:
        return f"'{value}' is locked on the kiosk (it does nothing there); pick another key such as f12"
    if name in CUSTOMER_KEYS or value in CUSTOMER_KEYS:
        return f"'{value}' is a key customers answer with; pick another key such as f12"
    sendable = _sendable_keys()
    if name not in sendable:
        close = difflib.get_close_matches(value.lower(), sorted(sendable), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return (f"'{value}' is not a key the terminal can send ({hint}key names are "
                "lower case, like f12, ctrl+o, f9)")
    return None
