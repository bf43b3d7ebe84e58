"""Every terminal: the kiosk in a real pseudo-terminal under each TERM / COLORTERM /
NO_COLOR, with the colours it actually emits for the five answers checked.

Contrast is WCAG's, computed with xterm's default palette for the 16 and 8 colours
(the terminal decides what "red" looks like; xterm's is the one we can check)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kiosk.i18n import load_texts
from kiosk.ui.palette import ANSI8, ANSI16, MONO, TRUECOLOR, palette_class
from tests.vt import CVD, Screen, contrast, distance, run_on_pty, simulate

ROOT = Path(__file__).resolve().parents[2]
COLS, ROWS = 100, 30
LABELS = load_texts("en").labels
FACES = ("(>_<)", "(-_-)", "(o_o)", "(^_^)", "(^o^)")


def run_kiosk(tmp_path: Path, env: dict[str, str]) -> Screen:
    """Start the kiosk on a pty with ``env`` and return the screen it drew."""
    tmp_path.mkdir(parents=True, exist_ok=True)

    def drawn(screen: Screen, send) -> bool:
        return all(screen.find(face) for face in FACES) and bool(screen.find("Neutral"))

    return run_on_pty([sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"),
                       "--data-dir", str(tmp_path / "data")],
                      cwd=tmp_path, env=env, cols=COLS, rows=ROWS, until=drawn, timeout=30,
                      what="the labels")


def answer_colours(screen: Screen) -> list[tuple[tuple[int, int, int], tuple[int, int, int]]]:
    """(label colour, tile colour) of each answer, read from the first letter of its
    label (the row under its face; a long label may wrap)."""
    return [label_cell(screen, score).rgb() for score in range(1, 6)]


def label_cell(screen: Screen, score: int):
    where = screen.find(FACES[score - 1])
    assert where, f"answer {score} not on screen"
    x, y = where
    for cx in range(max(0, x - 8), min(COLS, x + 14)):
        if screen.cells[y + 1][cx].char.isalpha():
            return screen.cells[y + 1][cx]
    raise AssertionError(f"no label under answer {score}: {screen.line(y + 1)!r}")


SETTINGS = {
    "truecolor": ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, TRUECOLOR),
    "256": ({"TERM": "xterm-256color"}, TRUECOLOR),
    "16": ({"TERM": "xterm"}, ANSI16),
    "linux": ({"TERM": "linux"}, ANSI8),
}


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_five_distinct_answers_with_readable_labels(tmp_path, setting):
    env, _ = SETTINGS[setting]
    screen = run_kiosk(tmp_path, env)
    # Every character on the screen can be read (xterm's default foreground is black:
    # text left in the "default" colour on a dark background would vanish).
    for y in range(ROWS):
        for x, cell in enumerate(screen.cells[y]):
            if cell.char.strip():
                fg, bg = cell.rgb()
                assert contrast(fg, bg) >= 3, (setting, x, y, screen.line(y), fg, bg)
    colours = answer_colours(screen)
    backgrounds = [bg for _, bg in colours]
    assert len(set(backgrounds)) == 5, f"{setting}: answers share a colour: {backgrounds}"
    for label, (fg, bg) in zip(LABELS, colours):
        assert contrast(fg, bg) >= 4.5, f"{setting}: {label!r} {fg} on {bg}: {contrast(fg, bg):.2f}"
    # Red to green: the first answer is the reddest, the last the greenest.
    assert backgrounds[0][0] > backgrounds[0][1] and backgrounds[4][1] > backgrounds[4][0]
    # Not by hue alone: seen without red or without green cones, neighbouring answers
    # still look different (on top of their numbers and faces).
    for kind in CVD:
        for left, right in zip(backgrounds, backgrounds[1:]):
            seen = distance(simulate(left, kind), simulate(right, kind))
            assert seen >= 30, f"{setting}, {kind}: {left} and {right} look alike ({seen:.0f})"


def test_emitted_colour_codes_match_the_colour_depth(tmp_path):
    """16 colours are emitted as the terminal's own colour numbers (never as RGB the
    terminal would have to round), and only the 8 dark backgrounds on the Linux console."""
    for setting in ("16", "linux"):
        screen = run_kiosk(tmp_path / setting, SETTINGS[setting][0])
        for label in LABELS:
            cell = label_cell(screen, LABELS.index(label) + 1)
            assert cell.bg[0] == "i" and cell.fg[0] == "i", (setting, label, cell)
            limit = 8 if setting == "linux" else 16
            assert cell.bg[1] < limit, (setting, label, cell)


def test_no_color_is_clean_monochrome(tmp_path):
    screen = run_kiosk(tmp_path, {"TERM": "xterm-256color", "COLORTERM": "truecolor",
                                  "NO_COLOR": "1"})
    for y in range(ROWS):
        for cell in screen.cells[y]:
            for colour in (cell.fg, cell.bg):
                if colour is not None and colour[0] == "rgb":
                    r, g, b = colour[1]
                    assert r == g == b, f"a colour under NO_COLOR: {colour}"
    for label, (fg, bg) in zip(LABELS, answer_colours(screen)):
        assert contrast(fg, bg) >= 4.5, (label, fg, bg)
    # Five answers told apart without colour: each has its number's box and its face.
    assert all(screen.find(face) for face in FACES)


@pytest.mark.parametrize("color_system, term, no_color, expected", [
    ("truecolor", "xterm-256color", False, TRUECOLOR),
    ("256", "xterm-256color", False, TRUECOLOR),
    ("standard", "xterm", False, ANSI16),
    ("standard", "linux", False, ANSI8),
    ("windows", "", False, ANSI16),
    ("truecolor", "xterm", True, MONO),
    (None, "dumb", False, MONO),
])
def test_palette_class(color_system, term, no_color, expected):
    assert palette_class(color_system, {"TERM": term}, no_color) == expected
