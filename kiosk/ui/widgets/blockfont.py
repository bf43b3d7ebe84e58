"""A three-row block font for headlines read from a metre away (Latin and Cyrillic).

Glyphs are box-drawing characters, which every terminal font has and draws one cell
wide, in the style of toilet's "future" font.  Letters are drawn as capitals; accents
and the breve go on a row above, the cedilla on a row below.  A text with a character
the font lacks (e.g. Chinese) is not drawn: the caller shows it as plain bold text."""
from __future__ import annotations

import unicodedata

Glyph = tuple[str, str, str]

GLYPHS: dict[str, Glyph] = {
    "A": ("┏━┓", "┣━┫", "╹ ╹"), "B": ("┏┓ ", "┣┻┓", "┗━┛"), "C": ("┏━╸", "┃  ", "┗━╸"),
    "D": ("┳━┓", "┃ ┃", "┻━┛"), "E": ("┏━╸", "┣╸ ", "┗━╸"), "F": ("┏━╸", "┣╸ ", "╹  "),
    "G": ("┏━╸", "┃╺┓", "┗━┛"), "H": ("╻ ╻", "┣━┫", "╹ ╹"), "I": ("╻", "┃", "╹"),
    "J": ("  ╻", "  ┃", "┗━┛"), "K": ("╻┏╸", "┣┻┓", "╹ ╹"), "L": ("╻  ", "┃  ", "┗━╸"),
    "M": ("┏┳┓", "┃┃┃", "╹╹╹"), "N": ("┏┓╻", "┃┗┫", "╹ ╹"), "O": ("┏━┓", "┃ ┃", "┗━┛"),
    "P": ("┏━┓", "┣━┛", "╹  "), "Q": ("┏━┓", "┃┓┃", "┗┻┛"), "R": ("┏━┓", "┣┳┛", "╹┗╸"),
    "S": ("┏━┓", "┗━┓", "┗━┛"), "T": ("╺┳╸", " ┃ ", " ╹ "), "U": ("╻ ╻", "┃ ┃", "┗━┛"),
    "V": ("╻ ╻", "┃┏┛", "┗┛ "), "W": ("╻ ╻", "┃╻┃", "┗┻┛"), "X": ("╻ ╻", "┏╋┛", "╹ ╹"),
    "Y": ("╻ ╻", "┗┳┛", " ╹ "), "Z": ("╺━┓", "┏━┛", "┗━╸"),
    "Æ": ("┏━┳━╸", "┣━╋╸ ", "╹ ┗━╸"), "Œ": ("┏━┳━╸", "┃ ┣╸ ", "┗━┻━╸"),
    "0": ("┏━┓", "┃┃┃", "┗━┛"), "1": ("╺┓ ", " ┃ ", "╺┻╸"), "2": ("┏━┓", "┏━┛", "┗━╸"),
    "3": ("┏━┓", "╺━┫", "┗━┛"), "4": ("╻ ╻", "┗━┫", "  ╹"), "5": ("┏━╸", "┗━┓", "┗━┛"),
    "6": ("┏━╸", "┣━┓", "┗━┛"), "7": ("╺━┓", "  ┃", "  ╹"), "8": ("┏━┓", "┣━┫", "┗━┛"),
    "9": ("┏━┓", "┗━┫", "┗━┛"),
    # Cyrillic capitals that do not share a Latin shape (А В Е К М Н О Р С Т Х do).
    "Б": ("┏━╸", "┣━┓", "┗━┛"), "Г": ("┏━╸", "┃  ", "╹  "), "Д": (" ┏┓", "┏┛┃", "┻━┻"),
    "Ж": ("╻╻╻", "┏╋┓", "╹╹╹"), "З": ("┏━┓", "╺━┫", "┗━┛"), "И": ("╻ ╻", "┃┏┫", "┗┛╹"),
    "Л": ("┏━┓", "┃ ┃", "┛ ╹"), "П": ("┏━┓", "┃ ┃", "╹ ╹"), "У": ("╻ ╻", "┗━┫", "╺━┛"),
    "Ф": ("┏╋┓", "┗╋┛", " ╹ "), "Ц": ("╻ ╻ ", "┃ ┃ ", "┗━┻╸"), "Ч": ("╻ ╻", "┗━┫", "  ╹"),
    "Ш": ("╻╻╻", "┃┃┃", "┗┻┛"), "Щ": ("╻╻╻ ", "┃┃┃ ", "┗┻┻╸"), "Ъ": ("╺┓  ", " ┣━┓", " ┗━┛"),
    "Ы": ("╻  ╻", "┣━┓┃", "┗━┛╹"), "Ь": ("╻  ", "┣━┓", "┗━┛"), "Э": ("╺━┓", " ╺┫", "╺━┛"),
    "Ю": ("╻┏━┓", "┣┃ ┃", "╹┗━┛"), "Я": ("┏━┓", "┗┳┫", "╺┛╹"),
    # Punctuation drawn in the font; other punctuation sits on the middle row as is.
    " ": ("  ", "  ", "  "), "-": ("  ", "╺╸", "  "), ".": (" ", " ", "•"),
    ",": (" ", " ", "┛"), "'": ("╹", " ", " "), "’": ("╹", " ", " "),
    "?": ("┏━┓", " ┏┛", " • "), "!": ("╻", "┃", "•"), ":": (" ", "•", "•"),
}
for latin, cyrillic in zip("ABEKMHOPCTX", "АВЕКМНОРСТХ"):
    GLYPHS[cyrillic] = GLYPHS[latin]

# Combining marks (after NFD) and the character drawn for them above or below.
# Drawn centred over the glyph, cut to its width (a one-column I keeps the middle).
ABOVE = {"\u0300": "╲", "\u0301": "╱", "\u0302": "╱╲", "\u0303": "~", "\u0308": "╹ ╹",
         "\u0306": "╰╯", "\u030a": "°"}
BELOW = {"\u0327": "┛"}


def _glyphs(word: str) -> list[tuple[Glyph, str, str]] | None:
    """(glyph, mark above, mark below) per character of ``word``; None if one is missing."""
    out: list[tuple[Glyph, str, str]] = []
    for char in unicodedata.normalize("NFD", word.upper()):
        if char in ABOVE or char in BELOW:
            if not out:
                return None
            glyph, above, below = out[-1]
            out[-1] = (glyph, above or ABOVE.get(char, ""), below or BELOW.get(char, ""))
        elif char in GLYPHS:
            out.append((GLYPHS[char], "", ""))
        elif unicodedata.category(char).startswith("P") and unicodedata.east_asian_width(
                char) in ("Na", "N", "H"):
            out.append(((" ", char, " "), "", ""))
        else:
            return None  # no glyph (e.g. CJK, another combining mark)
    return out


def _width(glyphs: list[tuple[Glyph, str, str]]) -> int:
    return sum(len(glyph[0]) for glyph, _, _ in glyphs)


def _centred(mark: str, width: int) -> str:
    if len(mark) > width:
        middle = (len(mark) - width) // 2
        mark = mark[middle:middle + width].strip() or mark.strip()[0]
    return mark.center(width)


def _draw(line: list[tuple[Glyph, str, str]]) -> list[str]:
    """The rows of one line: marks above, three glyph rows, marks below (if any)."""
    above, rows, below = [], ["", "", ""], []
    for glyph, mark_above, mark_below in line:
        width = len(glyph[0])
        above.append(_centred(mark_above, width))
        below.append(_centred(mark_below, width))
        for row in range(3):
            rows[row] += glyph[row]
    drawn = ["".join(above)] + rows
    if any(mark for _, _, mark in line):
        drawn.append("".join(below))
    return drawn


def render_block(text: str, width: int, max_rows: int) -> list[str] | None:
    """``text`` in the block font, word-wrapped to ``width`` columns in at most
    ``max_rows`` rows; None when a character has no glyph or it does not fit."""
    space = GLYPHS[" "]
    words: list[list[tuple[Glyph, str, str]]] = []
    for word in text.split():
        glyphs = _glyphs(word)
        if glyphs is None or _width(glyphs) > width:
            return None
        words.append(glyphs)
    if not words:
        return None
    lines: list[list[tuple[Glyph, str, str]]] = [[]]
    for drawn_word in words:
        candidate = lines[-1] + ([(space, "", "")] if lines[-1] else []) + drawn_word
        if _width(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(drawn_word)
    rows: list[str] = []
    gap_done = True  # no gap above the first line
    for line in lines:
        drawn = _draw(line)
        # The row above a line doubles as the gap between lines; it is left out when
        # blank and a gap is already there (first line, or a row of cedillas above).
        if gap_done and not drawn[0].strip():
            drawn = drawn[1:]
        gap_done = any(mark for _, _, mark in line)
        rows.extend(drawn)
    return rows if len(rows) <= max_rows else None
