"""End to end in a real terminal emulator: the kiosk in xterm (TERM=xterm, 16 colours)
on a virtual X display, tapped with real X pointer clicks, its pixels read back.

Needs Debian's xvfb, xterm, xdotool and imagemagick (`import`); skipped with the reason
when one is missing."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.store.response_store import ResponseStore
from tests.vt import XTERM_16, contrast

ROOT = Path(__file__).resolve().parents[2]
COLS, ROWS = 80, 24
TOOLS = {"Xvfb": "xvfb", "xterm": "xterm", "xdotool": "xdotool", "import": "imagemagick"}
MISSING = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"needs a real X terminal: apt-get install -y {' '.join(MISSING)}")

# What xterm's default palette shows for the 16-colour answers (kiosk.tcss -colors-16).
ANSWER_COLOURS = [XTERM_16[i] for i in (1, 9, 11, 2, 10)]

CONFIG = """
[kiosk]
id = "xterm-test"
[timing]
thank_you_seconds = 0.5
[followup]
enabled = false
[nps]
enabled = false
[rest]
attract_seconds = 0
"""


class XTerm:
    """Xvfb + one xterm running the kiosk; pixels and clicks by terminal cell."""

    def __init__(self, tmp_path: Path) -> None:
        read, write = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0",
                                      "1280x800x24", "-nolisten", "tcp"],
                                     pass_fds=(write,), stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        self.env = {**os.environ, "DISPLAY": f":{number}"}
        (tmp_path / "kiosk.toml").write_text(CONFIG, encoding="utf-8")
        self.data = tmp_path / "data"
        kiosk = [sys.executable, "-m", "kiosk", "--config", str(tmp_path / "kiosk.toml"),
                 "--data-dir", str(self.data)]
        self.xterm = subprocess.Popen(
            ["xterm", "-geometry", f"{COLS}x{ROWS}", "-fa", "DejaVu Sans Mono", "-fs", "12",
             "-e", "env", "TERM=xterm", "COLORTERM=", *kiosk],
            env={k: v for k, v in self.env.items() if k not in ("NO_COLOR", "COLORTERM")},
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.window = self._until(self._find_window, "the xterm window")
        except AssertionError:
            self.close()
            raise
        geometry = dict(line.split("=") for line in self._xdotool(
            "getwindowgeometry", "--shell", self.window).split())
        self.width, self.height = int(geometry["WIDTH"]), int(geometry["HEIGHT"])

    def _xdotool(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True,
                              text=True, timeout=10).stdout

    def _find_window(self) -> str | None:
        if self.xterm.poll() is not None:
            raise AssertionError(f"xterm ended: {self.xterm.stderr.read()!r}")
        found = self._xdotool("search", "--pid", str(self.xterm.pid)).split()
        return found[0] if found else None

    @staticmethod
    def _until(probe, what: str, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while (result := probe()) in (None, False):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)  # polling a separate X server, not timing the app
        return result

    def cell_centre(self, col: int, row: int) -> tuple[int, int]:
        """Pixel centre of a 0-based cell (xterm has a 2-pixel inner border)."""
        cw, ch = (self.width - 4) / COLS, (self.height - 4) / ROWS
        return int(2 + col * cw + cw / 2), int(2 + row * ch + ch / 2)

    def screenshot(self) -> list[list[tuple[int, int, int]]]:
        raw = subprocess.run(["import", "-window", self.window, "-depth", "8", "rgb:-"],
                             env=self.env, capture_output=True, timeout=10).stdout
        row = self.width * 3
        return [[tuple(raw[y * row + x * 3:y * row + x * 3 + 3]) for x in range(self.width)]
                for y in range(len(raw) // row)]

    def click(self, col: int, row: int) -> None:
        x, y = self.cell_centre(col, row)
        self._xdotool("mousemove", "--window", self.window, str(x), str(y), "click", "1")

    def close(self) -> None:
        for process in (self.xterm, self.xvfb):
            process.kill()
            process.wait()


def answer_cells() -> list[tuple[int, int]]:
    """A blank cell inside each answer tile at 80x24 (five equal columns; left of the
    big number, above the face)."""
    return [(int(i * COLS / 5) + 4, 11) for i in range(5)]


def tile_colours(term: XTerm, shot) -> list[tuple[int, int, int]]:
    out = []
    for col, row in answer_cells():
        x, y = term.cell_centre(col, row)
        out.append(shot[y][x])
    return out


def label_contrast(term: XTerm, shot, col: int, background) -> float:
    """The strongest contrast between the tile and any pixel of its label row (the
    glyph strokes' full colour); rows 15-18 hold face and label at 80x24."""
    best = 1.0
    x0, _ = term.cell_centre(col - 2, 0)
    x1, _ = term.cell_centre(col + 9, 0)
    for row in range(15, 19):
        _, yc = term.cell_centre(0, row)
        for y in range(yc - 6, yc + 6):
            for x in range(x0, x1):
                best = max(best, contrast(shot[y][x], background))
    return best


@pytest.fixture
def xterm(tmp_path):
    # Another Xvfb starting at the same moment can take the display number that
    # -displayfd reported; a second start picks another.
    for attempt in range(3):
        try:
            term = XTerm(tmp_path)
            break
        except AssertionError:
            if attempt == 2:
                raise
    yield term
    term.close()


def test_pointer_clicks_record_each_answer_and_the_pixels_meet_the_colours(xterm):
    # The survey is up when the five answer colours are on screen.
    xterm._until(lambda: tile_colours(xterm, xterm.screenshot()) == ANSWER_COLOURS,
                 "the five answers in xterm's colours")
    shot = xterm.screenshot()
    backgrounds = tile_colours(xterm, shot)
    assert len(set(backgrounds)) == 5
    for (col, _), background in zip(answer_cells(), backgrounds):
        assert label_contrast(xterm, shot, col, background) >= 4.5, (col, background)

    store = ResponseStore(xterm.data)
    for score, (col, row) in enumerate(answer_cells(), 1):
        xterm._until(lambda: tile_colours(xterm, xterm.screenshot()) == ANSWER_COLOURS,
                     "the survey back")
        # A click that lands in the instant the survey comes back, before it has reset
        # for the next customer, is refused by the double-tap guard: click again (a
        # second recorded click would show in the exact count below).
        for attempt in range(3):
            xterm.click(col, row)
            try:
                xterm._until(lambda n=score: len(list(store.iter_responses())) >= n,
                             f"answer {score} stored", timeout=8)
                break
            except AssertionError:
                if attempt == 2:
                    raise
    assert [r.score for r in store.iter_responses()] == [1, 2, 3, 4, 5]
