"""A minimal terminal for tests: feed it what a program wrote to its pty and read back
each cell's character and the SGR colours it was drawn with (cursor moves, SGR and
text; enough for Textual's output)."""
from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# xterm's default palette (XTerm-col.ad / charproc defaults), index 0-15.
XTERM_16 = [
    (0x00, 0x00, 0x00), (0xcd, 0x00, 0x00), (0x00, 0xcd, 0x00), (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee), (0xcd, 0x00, 0xcd), (0x00, 0xcd, 0xcd), (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f), (0xff, 0x00, 0x00), (0x00, 0xff, 0x00), (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff), (0xff, 0x00, 0xff), (0x00, 0xff, 0xff), (0xff, 0xff, 0xff),
]
DEFAULT_FG = XTERM_16[0]  # xterm's default: black text on white
DEFAULT_BG = XTERM_16[15]


def xterm_256(n: int) -> tuple[int, int, int]:
    if n < 16:
        return XTERM_16[n]
    if n < 232:
        n -= 16
        levels = (0, 95, 135, 175, 215, 255)
        return levels[n // 36], levels[n // 6 % 6], levels[n % 6]
    grey = 8 + (n - 232) * 10
    return grey, grey, grey


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB: how a colour looks
# to someone without working green (deuteranopia) or red (protanopia) cones.
CVD = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
}


def _linear(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def _encode(v: float) -> float:
    v = min(1.0, max(0.0, v))
    return 255 * (v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055)


def simulate(rgb: tuple[int, int, int], kind: str) -> tuple[float, float, float]:
    linear = [_linear(c) for c in rgb]
    r, g, b = (_encode(sum(m * c for m, c in zip(row, linear))) for row in CVD[kind])
    return r, g, b


def distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass
class Cell:
    char: str = " "
    fg: object = None  # None (default), ("i", index) or ("rgb", (r, g, b))
    bg: object = None
    reverse: bool = False
    bold: bool = False

    def rgb(self) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """(foreground, background) as xterm with its default palette shows them.

        xterm's boldColors (on by default) draws bold text in colours 0-7 in their
        bright variants 8-15: bold black comes out grey."""
        fg_colour = self.fg
        if self.bold and isinstance(fg_colour, tuple) and fg_colour[0] == "i" and fg_colour[1] < 8:
            fg_colour = ("i", fg_colour[1] + 8)
        fg = _rgb(fg_colour, DEFAULT_FG)
        bg = _rgb(self.bg, DEFAULT_BG)
        return (bg, fg) if self.reverse else (fg, bg)


def _rgb(colour: object, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if colour is None:
        return default
    kind, value = colour  # type: ignore[misc]
    return xterm_256(value) if kind == "i" else value


CSI = re.compile(r"\x1b\[([?>=]?)([0-9;:]*)([ -/]*)([@-~])|\x1b[PX^_].*?\x1b\\|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class Screen:
    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.cells = [[Cell() for _ in range(cols)] for _ in range(rows)]
        self.x = self.y = 0
        self.fg: object = None
        self.bg: object = None
        self.reverse = False
        self.bold = False

    def feed(self, data: str) -> None:
        pos = 0
        for match in CSI.finditer(data):
            self._text(data[pos:match.start()])
            pos = match.end()
            if match.group(4) and match.group(0).startswith("\x1b["):
                self._csi(match.group(1), match.group(2), match.group(4))
        self._text(data[pos:])

    def _csi(self, private: str, params: str, final: str) -> None:
        if private:
            return
        if final == "m":
            self._sgr(params)
        elif final in "Hf":
            parts = [int(p) if p else 1 for p in params.split(";")] if params else [1, 1]
            self.y = min(self.rows - 1, parts[0] - 1)
            self.x = min(self.cols - 1, (parts[1] if len(parts) > 1 else 1) - 1)
        elif final == "G":
            self.x = min(self.cols - 1, (int(params) if params else 1) - 1)
        elif final == "J" and params == "2":
            self.cells = [[Cell() for _ in range(self.cols)] for _ in range(self.rows)]

    def _sgr(self, params: str) -> None:
        codes = [int(p) if p else 0 for p in params.replace(":", ";").split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.fg = self.bg = None
                self.reverse = self.bold = False
            elif c == 1:
                self.bold = True
            elif c == 22:
                self.bold = False
            elif c == 7:
                self.reverse = True
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = ("i", c - 30)
            elif 90 <= c <= 97:
                self.fg = ("i", c - 90 + 8)
            elif 40 <= c <= 47:
                self.bg = ("i", c - 40)
            elif 100 <= c <= 107:
                self.bg = ("i", c - 100 + 8)
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48):
                if codes[i + 1] == 5:
                    value: object = ("i", codes[i + 2])
                    i += 2
                else:
                    value = ("rgb", tuple(codes[i + 2:i + 5]))
                    i += 4
                if c == 38:
                    self.fg = value
                else:
                    self.bg = value
            i += 1

    def _text(self, text: str) -> None:
        for char in text:
            if char in "\r\n\x07\x08" or ord(char) < 32:
                continue
            width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
            if self.x < self.cols and self.y < self.rows:
                self.cells[self.y][self.x] = Cell(char, self.fg, self.bg, self.reverse, self.bold)
                if width == 2 and self.x + 1 < self.cols:
                    self.cells[self.y][self.x + 1] = Cell("", self.fg, self.bg, self.reverse, self.bold)
            self.x += width

    def line(self, y: int) -> str:
        return "".join(cell.char for cell in self.cells[y])

    def find(self, text: str) -> tuple[int, int] | None:
        for y in range(self.rows):
            x = self.line(y).find(text)
            if x >= 0:
                return x, y
        return None


def run_on_pty(argv: list[str], *, cwd: Path, env: dict[str, str], cols: int, rows: int,
               until: Callable[[Screen, Callable[[bytes], None]], bool],
               timeout: float = 40.0, what: str = "the screen") -> Screen:
    """Run ``argv`` on a real pseudo-terminal of ``cols`` x ``rows`` with ``env`` (the
    runner's TERM, COLORTERM, NO_COLOR and TEXTUAL_COLOR_SYSTEM removed first), and
    return the screen it drew once ``until(screen, send)`` holds.

    ``until`` is asked whenever the program has been quiet for 0.2 s; ``send`` writes
    keys to the terminal (e.g. a PIN).  The deadline only bounds a hang.  The program is
    killed afterwards; a traceback in its output fails the test."""
    master, slave = pty.openpty()
    base = {k: v for k, v in os.environ.items()
            if k not in ("TERM", "COLORTERM", "NO_COLOR", "TEXTUAL_COLOR_SYSTEM")}
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, start_new_session=True,
        env={**base, "COLUMNS": str(cols), "LINES": str(rows), **env})
    os.close(slave)
    output = b""
    screen = Screen(cols, rows)

    def send(keys: bytes) -> None:
        os.write(master, keys)

    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    output += os.read(master, 65536)
                except OSError:
                    break
                continue
            screen = Screen(cols, rows)
            screen.feed(output.decode("utf-8", "replace"))
            if until(screen, send):
                break
        else:
            raise AssertionError(f"{what} never appeared: {output[-400:]!r}")
    finally:
        process.kill()
        process.wait()
        os.close(master)
    assert b"Traceback" not in output
    return screen
