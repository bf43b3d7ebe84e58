"""CSV out: one row per response, safe to open in Excel and LibreOffice."""
from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kiosk.models import answer_problem, doc_problem

if TYPE_CHECKING:
    from kiosk.store.response_store import ResponseStore
    from kiosk.store.storage import Damage

COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language", "flagged",
           "reason", "comment", "nps")
TEXT_COLUMNS = ("id", "kiosk", "question", "label", "language", "reason", "comment")

# A cell is run as a formula by a spreadsheet when it starts with a formula sign,
# or with a sign after what spreadsheets trim or fold before they look (white space,
# invisible format characters, a byte order mark).  The signs: = + - @ and their
# look-alikes (full-width, small forms, super/subscript, the Unicode minus).
_SKIPPED = ("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
            "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"      # white space
            "\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
            "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")       # invisible
_SIGNS = frozenset("=+-@"
                   "\uff1d\uff0b\uff20\uff0d\u2212\ufe62\ufe63\ufe66\ufe6b\u207a\u207b"
                   "\u207c\u208a\u208b\u208c")                        # look-alikes
_FORMULA_STARTS = _SIGNS | frozenset(_SKIPPED)  # a first character worth a closer look
# ... and a cell starting with the guard itself is guarded too, so that the
# guard is exactly reversible (``rows.unguard``).
_GUARDED_STARTS = _FORMULA_STARTS | {"'"}
# Control characters other than tab, LF and CR (C0 with ESC, DEL, C1 with CSI):
# written as visible symbols, so that a CSV shown in a terminal cannot carry an
# escape sequence.  C0 become the Unicode control pictures (ESC -> U+241B),
# DEL U+2421, C1 the replacement character U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PICTURES = {**{c: chr(0x2400 + c) for c in range(0x20)}, 0x7F: "\u2421",
             **{c: "\ufffd" for c in range(0x80, 0xA0)}}
_QUOTE_IF = (",", '"', "\r", "\n")  # what makes csv.writer (QUOTE_MINIMAL) quote a cell
_TEXT = frozenset(TEXT_COLUMNS)
HEADER = ",".join(COLUMNS) + "\r\n"


def visible(text: str) -> str:
    """Control characters (not tab, LF, CR) as visible symbols (see ``_CONTROL``).
    One-way: the symbols stay symbols on import; applying it twice changes nothing."""
    return text.translate(_PICTURES) if _CONTROL.search(text) else text


def guard(text: str) -> str:
    """Make a text cell inert in spreadsheets (CSV formula injection): a
    leading quote is shown as text by Excel and LibreOffice, not evaluated.
    A text that already starts with ``'`` gets one more, so an import can
    always take exactly one off (``rows.unguard``).  Leading white space alone
    is left as it is: ``"  leading spaces"`` is plain text, ``"  =1+1"`` is not."""
    return "'" + text if text[:1] in _GUARDED_STARTS and _needs_guard(text) else text


def _needs_guard(text: str) -> bool:
    first = text[:1]
    if first == "'" or first in _SIGNS:
        return True
    return text.lstrip(_SKIPPED)[:1] in _SIGNS


def neutralise(text: str) -> str:
    """A text cell as export writes it: control characters made visible, then guarded."""
    return guard(visible(text))


def _value(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column in _TEXT:
        return neutralise(str(value))
    if column == "flagged":
        return "1" if value else "0"
    return value


def csv_row(doc: dict[str, Any]) -> list[Any]:
    return [_value(column, doc.get(column)) for column in COLUMNS]


def _cell(column: str, value: Any) -> str:
    """One cell as csv.writer (QUOTE_MINIMAL, CRLF) writes it."""
    text = str(_value(column, value))
    for char in _QUOTE_IF:
        if char in text:
            return '"' + text.replace('"', '""') + '"'
    return text


# The columns that repeat, in CSV order, and the cheap check that lets an id we
# made (uuid4) or an ISO timestamp through as it is: no guard, no quotes needed.
_MIDDLE = ("kiosk", "question", "score", "label", "language", "flagged", "reason")
_GUARD_STARTS = _GUARDED_STARTS


def _plain(text: str) -> bool:
    """True when ``text`` is written as it is (false negatives only cost speed)."""
    return (text[:1] not in _GUARD_STARTS and text.isprintable()
            and "," not in text and '"' not in text)


class UnreadableDataDir(Exception):
    """The responses folder or a day file cannot be read: one line, which and why."""


def day_files_to_export(store: ResponseStore, since: date | None, until: date | None
                        ) -> list[Path]:
    try:
        return store.day_files(since, until)
    except OSError as exc:
        raise UnreadableDataDir(f"cannot read {store.responses_dir} "
                                f"({exc.strerror or exc})") from None


def render_day_file(path: Path) -> tuple[bytes, int, int]:
    """The CSV lines of one day file, UTF-8 encoded (cheap to hand between
    processes): (lines, rows, records skipped as damaged)."""
    from kiosk.store.response_store import TABLE
    from kiosk.store.storage import read_documents

    damage: list[Damage] = []
    try:
        docs = read_documents(path, TABLE, damage)
    except FileNotFoundError:
        return b"", 0, 0  # gone meanwhile
    except OSError as exc:  # a folder, no permission, an I/O error
        raise UnreadableDataDir(f"cannot read {path} ({exc.strerror or exc})") from None
    lines = []
    bad = sum(d.lines for d in damage)
    middles = _MIDDLES
    for doc in docs:
        line = _line(doc, middles)
        if line is None:
            bad += 1
        else:
            lines.append(line)
    text = "\r\n".join(lines) + "\r\n" if lines else ""
    return text.encode("utf-8"), len(lines), bad


# Cells of the repeating columns, per distinct combination (a few hundred in all):
# shared by every day file a process renders.
_MIDDLES: dict[tuple[Any, ...], tuple[str, str] | None] = {}
PARALLEL_FROM = 64  # day files; below that, starting worker processes costs more than it saves


def write_csv(day_files: list[Path], out: TextIO, bom: bool = False,
              on_bad: Callable[[Path, int], None] | None = None) -> int:
    """Write the responses of ``day_files`` (in order) as CSV into ``out``; returns the
    number of rows.  Records that are not usable responses are skipped and
    counted through ``on_bad(path, count)``.

    Why it is fast (1M rows in well under 3 s on 2 cores): the repeating columns
    are checked and turned into CSV once per distinct combination, each day file
    is one join, and a long export renders day files in worker processes while
    this one writes them in order."""
    if bom:
        out.write("\ufeff")
    out.write(HEADER)
    out.flush()
    raw = getattr(out, "buffer", None)  # the bytes under a text file: no re-encoding
    count = 0
    with _renderer(len(day_files)) as render:
        for path, (blob, rows, bad) in zip(day_files, render(render_day_file, day_files)):
            if raw is not None:
                raw.write(blob)
            else:
                out.write(blob.decode("utf-8"))
            count += rows
            if bad and on_bad is not None:
                on_bad(path, bad)
    return count


@contextmanager
def _renderer(files: int) -> Iterator[Callable[..., Iterator[tuple[bytes, int, int]]]]:
    workers = os.cpu_count() or 1
    if files < PARALLEL_FROM or workers < 2:
        yield map
        return
    # spawn, not fork: the admin view exports from a thread of a running app.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        try:
            yield partial(pool.map, chunksize=16)
        except BaseException:
            # The reader went away (closed pipe, full disk): do not render the rest.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _line(doc: Any, middles: dict[tuple[Any, ...], tuple[str, str] | None]) -> str | None:
    """One CSV line, or None for a document that is not a usable response."""
    try:
        get = doc.get
        # 4.0 == 4 == True and 0 == False hash alike: the numeric fields go into the
        # key with their type, or one wrong-typed record would stand for every good
        # one after it.  Text fields need no type: no other JSON value equals a str.
        # A missing flagged (valid, older records) and a null one (not) differ too.
        score, flagged, nps = get("score"), get("flagged", False), get("nps")
        key = (get("kiosk"), get("question"), score, type(score), get("label"),
               get("language"), flagged, type(flagged), get("reason"), nps, type(nps))
        middle = middles[key]
    except KeyError:
        middle = middles[key] = _middle(doc)
    except (AttributeError, TypeError):
        return None  # not a dict, or an unhashable value: not ours
    if middle is None:
        return None
    ident, stamp, comment = doc.get("id"), doc.get("timestamp"), doc.get("comment")
    if type(ident) is not str or type(stamp) is not str:
        return None
    if not (stamp[:1].isdigit() and _plain(stamp)):
        if doc_problem(doc) is not None:
            return None
        stamp = _cell("timestamp", stamp)
    if not _plain(ident):
        ident = _cell("id", ident)
    if comment is None:
        comment = ""
    elif type(comment) is str:
        comment = _cell("comment", comment)
    else:
        return None
    return f"{ident},{stamp},{middle[0]},{comment},{middle[1]}"


def _middle(doc: dict[str, Any]) -> tuple[str, str] | None:
    """The cells kiosk…reason and nps of a document, checked once per combination."""
    if answer_problem(doc) is not None:
        return None
    first = ",".join(_cell(column, doc.get(column, False if column == "flagged" else None))
                     for column in _MIDDLE)
    return first, _cell("nps", doc.get("nps"))


def safe_export_path(export_dir: Path, name: str) -> Path:
    """The file ``name`` inside ``export_dir``; a name that would leave it is refused."""
    name = name.strip()
    if not name:
        raise ValueError("give the file a name")
    if "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise ValueError(f"'{name}' is not a plain file name (no folders, no leading dot)")
    if not name.lower().endswith(".csv"):
        name += ".csv"
    target = (export_dir / name).resolve()
    if target.parent != export_dir.resolve():
        raise ValueError(f"'{name}' would be written outside {export_dir}")
    return target


EXPORT_MODE = 0o600  # answers and comments: for the kiosk's user only


def export_to_file(day_files: list[Path], target: Path, bom: bool = False,
                   on_bad: Callable[[Path, int], None] | None = None,
                   create_dir: bool = True) -> int:
    """Write a CSV export atomically: into a new temporary file of a random name in
    the same folder (``mkstemp``: O_EXCL, so never through a planted symlink; mode
    ``EXPORT_MODE``), fsynced, renamed over ``target``, folder fsynced.  A kill or a
    full disk at any point leaves ``target`` as it was (or absent), never partial."""
    folder = target.parent
    if create_dir:
        folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".partial")
    try:
        os.fchmod(fd, EXPORT_MODE)
        with open(fd, "w", encoding="utf-8", newline="") as out:
            count = write_csv(day_files, out, bom=bom, on_bad=on_bad)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)
    return count


def _fsync_dir(folder: Path) -> None:
    """Make the new name durable (a power cut after the rename keeps the file)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems that cannot
            raise
    finally:
        os.close(fd)
