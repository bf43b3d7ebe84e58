"""Which set of answer colours the terminal can show: one class name for kiosk.tcss.

Textual picks the colour depth from TERM/COLORTERM; the colours themselves live in
kiosk.tcss, one rule set per class.  A true-colour theme downgraded to 16 colours by
nearest match collapses (two answers on the same red, grey labels), so 16 and 8
colours get colours chosen from the terminal's own palette instead."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

TRUECOLOR = "-colors-true"  # true colour and 256 colours: the theme's own colours
ANSI16 = "-colors-16"  # TERM=xterm and friends: 16 colours, bright backgrounds shown
ANSI8 = "-colors-8"  # the Linux console: only the 8 dark backgrounds
MONO = "-colors-mono"  # NO_COLOR: no colour at all, boxes and text carry the meaning
CLASSES = (TRUECOLOR, ANSI16, ANSI8, MONO)


def palette_class(color_system: str | None, environ: Mapping[str, str],
                  no_color: bool) -> str:
    """The kiosk.tcss class for ``color_system`` (Rich's name: "truecolor", "256",
    "standard", "windows" or None) under this environment."""
    if no_color or color_system is None:
        return MONO
    if color_system in ("truecolor", "256"):
        return TRUECOLOR
    if environ.get("TERM", "").startswith("linux"):
        return ANSI8
    return ANSI16


def apply_palette(app: App[Any]) -> str:
    """Put the palette class on ``app`` (kiosk.tcss styles by it); returns it.

    In 16 and 8 colours the answer colours are the terminal's own ANSI colours,
    emitted as such rather than matched from true colour."""
    chosen = palette_class(app.console.color_system, os.environ, app.no_color)
    app.remove_class(*CLASSES)
    app.add_class(chosen)
    if chosen in (ANSI16, ANSI8):
        app.ansi_color = True
    return chosen
