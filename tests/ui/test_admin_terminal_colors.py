"""The admin view in 16 and 8 colours, through a real pseudo-terminal: every label staff
must read (periods, pages, Export, Lock, Quit, the headline) is readable.

Found by looking at it in a real xterm with TERM=xterm: the theme's greys quantised to
white on white, so every unselected button was a blank block (contrast 1.0:1)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kiosk.pin import PinVault
from tests.vt import Screen, contrast, run_on_pty

ROOT = Path(__file__).resolve().parents[2]
COLS, ROWS = 100, 30
LABELS = ("7 days", "30 days", "All time", "Hours", "Details", "Export CSV", "Lock",
          "Quit kiosk")


def admin_screen(tmp_path: Path, env: dict[str, str]) -> Screen:
    data = tmp_path / "data"
    PinVault(data).set_pin("4821")
    pin_sent = False

    def admin_drawn(screen: Screen, send) -> bool:
        nonlocal pin_sent
        if not pin_sent and screen.find("PIN"):
            send(b"4821\r")
            pin_sent = True
            return False
        return pin_sent and all(screen.find(label) for label in (*LABELS, "Flagged"))

    return run_on_pty([sys.executable, "-m", "kiosk", "admin", "--config", str(ROOT / "config.toml"),
                       "--data-dir", str(data)],
                      cwd=tmp_path, env=env, cols=COLS, rows=ROWS, until=admin_drawn,
                      what="the admin view")


@pytest.mark.parametrize("env", [{"TERM": "xterm"}, {"TERM": "linux"}], ids=["16", "linux"])
def test_admin_labels_are_readable_in_16_and_8_colours(tmp_path, env):
    screen = admin_screen(tmp_path, env)
    for label in LABELS:
        x, y = screen.find(label)  # type: ignore[misc]
        for cx in range(x, x + len(label)):
            cell = screen.cells[y][cx]
            if cell.char.strip():
                fg, bg = cell.rgb()
                assert contrast(fg, bg) >= 4.5, (env, label, screen.line(y), fg, bg)
    # The footer's keys and words too (its accent on grey quantised to 1.0:1).
    x, y = screen.find("Flagged")  # type: ignore[misc]
    for cx in range(x - 2, x + len("Flagged")):
        cell = screen.cells[y][cx]
        if cell.char.strip():
            fg, bg = cell.rgb()
            assert contrast(fg, bg) >= 4.5, (env, "footer", screen.line(y), fg, bg)
    # Nothing on the screen is invisible (text in the background's own colour).
    for y in range(ROWS):
        for x, cell in enumerate(screen.cells[y]):
            if cell.char.strip() and cell.char not in "▁▂▃▄▅▆▇█▔▏▕":
                fg, bg = cell.rgb()
                assert contrast(fg, bg) >= 3, (env, x, y, screen.line(y), fg, bg)
