"""Which keys the kiosk locks, which the customer uses, and which a terminal can send.

Kept apart from the app so that the config check can tell whether an ``[admin] key``
can ever fire without loading the whole user interface, or Textual at all."""
from __future__ import annotations

import string
import unicodedata

# Keys that would leave, suspend or open something on a stock Textual app: bound to
# nothing on the kiosk (KioskApp and AdminApp bind them with priority).
LOCKED_KEYS = "ctrl+q,ctrl+c,ctrl+p,ctrl+z,ctrl+backslash,ctrl+d"

# Keys the survey screen answers with (SurveyScreen.BINDINGS; a test keeps them in step):
# an admin key among them would take the customer's key away, or never fire.
CUSTOMER_KEYS = frozenset({"1", "2", "3", "4", "5", "left", "right", "up", "down",
                           "enter", "space", "l", "tab"})


# What Textual 8 names the keys a terminal can send (``textual.keys.Keys`` without
# its aliases and placeholders), written out so that the config check runs without
# importing Textual (``kiosk stats``/``export``/``import`` never load it).
# tests/data/test_no_textual.py keeps these in step with the installed Textual.
_NAV = ("up", "down", "left", "right", "home", "end", "pageup", "pagedown", "insert", "delete")
_NAMED_KEYS = frozenset({
    "<scroll-down>", "<scroll-up>", "backspace", "enter", "escape", "shift+escape", "space",
    "tab", "shift+tab", "ctrl+@", "ctrl+backslash", "ctrl+circumflex_accent",
    "ctrl+right_square_bracket", "ctrl+underscore",
    *(f"{mod}f{n}" for mod in ("", "ctrl+") for n in range(1, 25)),
    *(f"ctrl+{c}" for c in string.ascii_lowercase if c not in "im"),  # ctrl+i is tab, ctrl+m enter
    *(f"{mod}{d}" for mod in ("ctrl+", "ctrl+shift+") for d in string.digits),
    *(f"{mod}{key}" for mod in ("", "shift+", "ctrl+", "ctrl+shift+") for key in _NAV),
})
_ASCII_KEY_NAMES = {"\t": "tab"}
_KEY_NAME_REPLACEMENTS = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                          "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}


def character_to_key(character: str) -> str:
    """The name Textual gives a key that types ``character`` (as
    ``textual.keys._character_to_key``, which has no public equivalent)."""
    if not character.isalnum():
        try:
            key = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            key = _ASCII_KEY_NAMES.get(character, character)
    else:
        key = character
    return _KEY_NAME_REPLACEMENTS.get(key, key)


def _sendable_keys() -> frozenset[str]:
    """Key names Textual can produce from a terminal: its named keys, every printable
    ASCII character under the name Textual gives it, and alt+ a character."""
    characters = {character_to_key(c) for c in string.printable if c.isprintable() and c != " "}
    alt = {f"alt+{key}" for key in characters if len(key) == 1 and not key.isupper()}
    return frozenset(_NAMED_KEYS | characters | alt)


def admin_key_problem(value: str) -> str | None:
    """Why ``value`` cannot be the key that opens the PIN screen, or None if it can."""
    import difflib

    locked = set(LOCKED_KEYS.split(",")) | {"escape"}  # escape is bound to nothing too
    name = character_to_key(value) if len(value) == 1 else value
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
