"""A crash-safe, append-only TinyDB ``Storage``: one JSON-lines journal per file.

Stock ``JSONStorage`` rewrites the whole file in place on every insert: the cost
grows with the file and a kill mid-write breaks everything.  ``JournalStorage``
keeps the tables in memory and, on ``write(data)``, appends only the documents
that changed since the last write, as one line each, then fsyncs:

    {"op": "put", "table": "responses", "id": "7", "doc": {...}}
    {"op": "del", "table": "responses", "id": "7"}
    {"op": "drop", "table": "responses"}

Earlier bytes are never rewritten, so a kill at any instant can only leave a
torn last line.  Reopening for writing moves such a tail (and any line that
does not parse) aside into ``<file>.damaged-<stamp>`` so staff can find it, and
keeps every good line.  Readers skip a last line that has no newline yet, so
they never see a half-written record.

Durability (proven by tests/powerloss.py, which keeps only what was fsynced):
a tap's line is fdatasync'ed before the write returns; a file's *name* is
durable only once its directory is fsynced, so every new or renamed file
(day file, moved-aside part, repaired file, ``write_atomic``) and every new
directory is followed by a directory fsync before anything is acknowledged.
A failed write or fsync cuts the file back to its last durable length and
raises: the caller reopens and writes again, never trusting unsynced bytes.
"""
from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table


class _TrackedDoc(dict[str, Any]):
    """A stored document that remembers in-place changes (TinyDB's ``update``
    mutates documents instead of replacing them)."""

    __slots__ = ("dirty",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dirty = False

    @staticmethod
    def _touch(name: str) -> Callable[..., Any]:  # builds the mutating wrappers below
        original = getattr(dict, name)

        def wrapper(self: _TrackedDoc, *args: Any, **kwargs: Any) -> Any:
            self.dirty = True
            return original(self, *args, **kwargs)

        wrapper.__name__ = name
        return wrapper

    for _name in ("__setitem__", "__delitem__", "update", "pop", "popitem", "clear",
                  "setdefault", "__ior__"):
        locals()[_name] = _touch(_name)
    del _name, _touch


@dataclass(frozen=True)
class Damage:
    """A part of a journal that could not be read, and where it was moved."""

    path: Path
    lines: int
    moved_to: Path | None

    def describe(self) -> str:
        where = f", moved to {self.moved_to}" if self.moved_to else ""
        return f"{self.path}: {self.lines} damaged line(s) skipped{where}"


DocCheck = Callable[[str, dict[str, Any]], bool]  # (table, doc) -> usable?


def parse_journal(blob: bytes, valid_doc: DocCheck | None = None
                  ) -> tuple[list[dict[str, Any]], list[bytes], int]:
    """Split journal bytes into (good entries, bad lines, length of the complete part).

    A line is bad when it is not JSON, not an entry, or (with ``valid_doc``) puts
    a document that check refuses.  A last fragment without a newline is
    incomplete (being written, or torn by a crash): it is the last item of the
    bad list, and ``good_length`` ends at the last newline."""
    entries: list[dict[str, Any]] = []
    bad: list[bytes] = []
    end = blob.rfind(b"\n") + 1
    fast = _parse_all(blob, end, valid_doc)
    if fast is not None:
        if end < len(blob):
            bad.append(blob[end:])
        return fast, bad, end
    for line in blob[:end].splitlines():
        if not line.strip():
            continue
        try:
            entry = orjson.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if _valid_entry(entry, valid_doc):
            entries.append(entry)
        else:
            bad.append(line)
    if end < len(blob):
        bad.append(blob[end:])
    return entries, bad, end


def _parse_all(blob: bytes, end: int, valid_doc: DocCheck | None) -> list[dict[str, Any]] | None:
    """The common case in one parse of the whole file (several times faster
    than a call per line): every complete line is a valid entry.  None when
    any line is not, so the caller goes line by line and finds the bad ones."""
    if not end:
        return []
    body = blob[:end].rstrip(b"\n")
    if b"\n\n" in body or b"\r" in body or blob[:1].isspace():
        return None  # blank lines or CRLF: let the careful path judge
    try:
        entries: list[dict[str, Any]] = orjson.loads(b"[" + body.replace(b"\n", b",") + b"]")
    except ValueError:
        return None
    if len(entries) != body.count(b"\n") + 1:
        return None  # a line held more than one value, e.g. "1,2"
    if valid_doc is None and all(
            type(e) is dict and e.get("op") == "put" and _doc_id(e.get("id"))
            and type(e.get("doc")) is dict and type(e.get("table")) is str for e in entries):
        return entries  # taps and bulk loads: puts only (checked inline, it is 1M entries)
    for entry in entries:
        if not _valid_entry(entry, valid_doc):
            return None
    return entries


def _doc_id(value: Any) -> bool:
    """A TinyDB document id as the journal writes it: "1", "2", ... (an id
    like "x", "1e3", " 7" or "٣" is not one: TinyDB's int() of it fails or
    gives another record's id, so such a line is not an entry of ours)."""
    return type(value) is str and value.isascii() and value.isdigit() and value[0] != "0"


def _valid_entry(entry: Any, valid_doc: DocCheck | None = None) -> bool:
    if type(entry) is not dict or type(entry.get("table")) is not str:
        return False
    op = entry.get("op")
    if op == "put":
        doc = entry.get("doc")
        return (_doc_id(entry.get("id")) and type(doc) is dict
                and (valid_doc is None or valid_doc(entry["table"], doc)))
    if op == "del":
        return _doc_id(entry.get("id"))
    return op == "drop"


def replay(entries: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Apply journal entries in order; the result is TinyDB's whole-database dict."""
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in entries:
        op, name = entry["op"], entry["table"]
        if op == "put":
            tables.setdefault(name, {})[entry["id"]] = _TrackedDoc(entry["doc"])
        elif op == "del":
            tables.get(name, {}).pop(entry["id"], None)
        else:
            tables.pop(name, None)
    return tables


# A writer appends a whole line in one write(); a last line still without its
# newline this long after the file last changed was torn by a crash.
SETTLED_SECONDS = 10.0


def read_documents(path: Path, table: str, damage: list[Damage] | None = None,
                   valid_doc: DocCheck | None = None) -> list[dict[str, Any]]:
    """The current documents of one table of a journal file, without building a
    TinyDB (export and stats read years of files this way).  Bad lines are
    skipped and reported in ``damage``; a last line that may still be being
    written is not."""
    blob = read_regular(path)
    entries, bad, end = parse_journal(blob, valid_doc)
    if end < len(blob):
        try:
            settled = path.stat().st_mtime < datetime.now().timestamp() - SETTLED_SECONDS
        except OSError:
            settled = False
        if not settled:
            bad = bad[:-1]
    if bad and damage is not None:
        damage.append(Damage(path, len(bad), None))
    return current_documents(entries, table)


def current_documents(entries: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    """The documents of ``table`` after applying journal entries in order."""
    docs: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["table"] != table and entry["op"] != "drop":
            continue
        if entry["op"] == "put":
            docs[entry["id"]] = entry["doc"]  # the last put of an id wins (annotations)
        elif entry["op"] == "del":
            docs.pop(entry["id"], None)
        elif entry["table"] == table:
            docs.clear()
    return list(docs.values())


class JournalStorage(Storage):
    """TinyDB storage over an append-only JSON-lines journal (see module doc).

    ``read_only`` opens without repairing anything.  ``sync=False`` skips the
    fsync, for bulk loads that sync once at the end (``flush``).  ``valid_doc``
    refuses documents of the wrong shape: they are moved aside like bad lines."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False,
                 sync: bool = True, valid_doc: DocCheck | None = None,
                 lazy: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.read_only = read_only
        self.sync = sync
        self.damage: Damage | None = None
        self._fd: int | None = None
        self._valid_doc = valid_doc
        self._tables: dict[str, dict[str, dict[str, Any]]] = {}
        # ``lazy``: open for appends after reading only the file's tail, so the
        # first tap of a restarted kiosk does not wait for a parse of today's
        # whole file (5 s at 300k rows); the whole file is parsed (and
        # repaired) on the first ``read()``.
        self._tail_ids: dict[str, int] | None = None
        refuse_unless_regular(self.path)
        if lazy and not read_only:
            self._cut_torn_tail()
            self._tail_ids = _tail_max_ids(self.path)
            if self._tail_ids is not None:
                self._open_for_append()
                return
        self._open_fully()

    def _open_fully(self) -> None:
        """Parse the whole journal, move damaged lines aside, open for appends."""
        self._tail_ids = None
        try:
            blob = read_regular(self.path)
        except FileNotFoundError:
            blob = b""
        entries, bad, good_length = parse_journal(blob, self._valid_doc)
        self._tables = replay(entries)
        if bad:
            self.damage = Damage(self.path, len(bad), None)
        if self.read_only:
            return
        make_dirs(self.path.parent)
        if bad:
            self._repair(entries, bad, good_length, len(blob))
        self._open_for_append()

    def _open_for_append(self) -> None:
        make_dirs(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            self._size = os.fstat(fd).st_size
            if self.sync:
                # The name (a new day file, or one an earlier failed open left
                # unsynced) is durable before the first tap is acknowledged.
                # Bulk loads (sync=False) fsync the directory once at the end.
                fsync_dir(self.path.parent)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    @property
    def loaded(self) -> bool:
        """False while a lazily opened journal has not been parsed whole."""
        return self._tail_ids is None

    def _load(self) -> None:
        """A lazily opened journal, parsed whole now (a repair may replace the
        file: the append descriptor is reopened on the file that stays)."""
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
        self._open_fully()

    def next_id(self, table: str) -> int:
        """The doc id after the highest one of ``table`` (TinyDB's rule)."""
        ids = self._tables.get(table, {})
        highest = max(map(int, ids), default=0)
        if self._tail_ids is not None:
            highest = max(highest, self._tail_ids.get(table, 0))
        return highest + 1

    def cached_documents(self, table: str) -> dict[str, dict[str, Any]]:
        """The documents of ``table`` held in memory: all of them once loaded,
        only those appended since a lazy open otherwise."""
        return self._tables.get(table, {})

    # -- repair -----------------------------------------------------------
    def _cut_torn_tail(self) -> None:
        """A lazy open after a crash: move a torn last line aside and cut it off
        without parsing the file (the whole parse of a 300k-row day would delay
        the first tap by seconds).  Only the fragment after the last newline
        is touched: one write per line means it is the only torn one; the
        lines before it are judged by the tail parse (or a whole parse)."""
        try:
            with open_regular(self.path) as handle:
                size = os.fstat(handle.fileno()).st_size
                start = max(0, size - TAIL_BYTES)
                handle.seek(start)
                blob = handle.read()
        except FileNotFoundError:
            return
        if not blob or blob.endswith(b"\n"):
            return
        newline = blob.rfind(b"\n")
        if newline < 0 and start:
            return  # a fragment longer than the tail: the whole parse judges it
        good_length = start + newline + 1
        fragment = blob[newline + 1:]
        self._move_aside_and_cut([fragment], good_length)

    def _repair(self, entries: list[dict[str, Any]], bad: list[bytes], good_length: int,
                total: int) -> None:
        """Move bad lines aside, keep good ones; both steps are crash-safe."""
        if len(bad) == 1 and good_length < total:
            # Everything before the last newline parsed: just cut the tail off.
            self._move_aside_and_cut(bad, good_length)
            return
        aside = self._put_aside(bad)
        write_atomic(self.path, b"".join(_encode(e) for e in entries))
        self.damage = Damage(self.path, len(bad), aside)

    def _put_aside(self, bad: list[bytes]) -> Path:
        """The bad lines, durably in ``<file>.damaged-<stamp>`` (one copy)."""
        damaged = b"\n".join(bad) + b"\n"
        aside = self._moved_aside(damaged)
        if aside is None:
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        write_atomic(aside, damaged)
        return aside

    def _move_aside_and_cut(self, bad: list[bytes], good_length: int) -> None:
        """Put the torn tail aside (durable first, name included), then cut it off."""
        aside = self._put_aside(bad)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.ftruncate(fd, good_length)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.damage = Damage(self.path, len(bad), aside)

    def _moved_aside(self, damaged: bytes) -> Path | None:
        """The part an earlier, interrupted repair already moved aside with
        these very bytes (one copy for staff, however often a repair is retried)."""
        prefix = f"{self.path.name}.damaged-"
        for sibling in self.path.parent.iterdir():
            if sibling.name.startswith(prefix) and not sibling.name.endswith(".tmp"):
                try:
                    if sibling.stat().st_size == len(damaged) and sibling.read_bytes() == damaged:
                        return sibling
                except OSError:
                    continue
        return None

    # -- TinyDB's Storage interface --------------------------------------
    def read(self) -> dict[str, dict[str, dict[str, Any]]]:
        if self._tail_ids is not None:
            self._load()
        # A shallow copy: TinyDB replaces whole tables in the dict it gets and
        # passes it back to write(); it never mutates the table dicts we hold.
        return dict(self._tables)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._fd is None:
            raise PermissionError(f"{self.path}: opened read-only")
        entries: list[dict[str, Any]] = []
        for name, table in data.items():
            old = self._tables.get(name)
            if table is old:
                continue
            old = old or {}
            added = 0
            for doc_id, doc in table.items():
                previous = old.get(doc_id)
                if previous is None:
                    added += 1
                elif previous is doc and not getattr(doc, "dirty", False):
                    continue
                entries.append({"op": "put", "table": name, "id": doc_id, "doc": doc})
            if len(old) + added != len(table):
                for doc_id in old.keys() - table.keys():
                    entries.append({"op": "del", "table": name, "id": doc_id})
        for name in self._tables.keys() - data.keys():
            entries.append({"op": "drop", "table": name})
        if entries:
            self._append(b"".join(_encode(e) for e in entries))
        # Only now, with the bytes durable, adopt the new state.
        for entry in entries:
            if entry["op"] == "put":
                doc = entry["doc"]
                if isinstance(doc, _TrackedDoc):
                    doc.dirty = False
                else:
                    data[entry["table"]][entry["id"]] = _TrackedDoc(doc)
        self._tables = data

    def append_document(self, table: str, doc_id: str, doc: dict[str, Any]) -> None:
        """Insert one document in O(1): one line appended, nothing rebuilt."""
        if self._fd is None:
            raise PermissionError(f"{self.path}: opened read-only")
        existing = self._tables.get(table)
        if existing is not None and doc_id in existing:
            raise ValueError(f"Document with ID {doc_id} already exists")
        self._append(_encode({"op": "put", "table": table, "id": doc_id, "doc": doc}))
        self._tables.setdefault(table, {})[doc_id] = _TrackedDoc(doc)

    def replace_document(self, table: str, doc_id: str, doc: dict[str, Any]) -> None:
        """Put a new version of a document held in memory (``cached_documents``):
        one line appended, without parsing the whole journal."""
        if self._fd is None:
            raise PermissionError(f"{self.path}: opened read-only")
        if doc_id not in self._tables.get(table, {}):
            raise KeyError(f"{self.path}: document {doc_id} of {table} is not in memory")
        self._append(_encode({"op": "put", "table": table, "id": doc_id, "doc": doc}))
        self._tables[table][doc_id] = _TrackedDoc(doc)

    def append_documents(self, table: str, docs: list[dict[str, Any]]) -> list[str]:
        """Insert many documents with one write (and one fsync when ``sync``):
        bulk loads.  Ids continue after the table's highest id.  A crash can
        only tear the last line, exactly as for a single insert."""
        if self._fd is None:
            raise PermissionError(f"{self.path}: opened read-only")
        next_id = self.next_id(table)
        existing = self._tables.setdefault(table, {})
        ids = [str(i) for i in range(next_id, next_id + len(docs))]
        prefix = '{"op":"put","table":%s,"id":"' % json.dumps(table, ensure_ascii=False)
        dumps = _DOC_ENCODER.encode
        self._append("".join([f'{prefix}{doc_id}","doc":{dumps(doc)}}}\n'
                              for doc_id, doc in zip(ids, docs)]).encode("utf-8"))
        for doc_id, doc in zip(ids, docs):
            existing[doc_id] = _TrackedDoc(doc)
        return ids

    def _append(self, blob: bytes) -> None:
        """Append and fsync; on failure cut the file back so no torn line stays."""
        assert self._fd is not None
        try:
            _write_all(self._fd, blob)
            if self.sync:
                os.fdatasync(self._fd)
                _still_named(self._fd, self.path)
        except OSError:
            # After a failed write or fsync nothing past the last durable
            # length can be trusted (the kernel may have dropped the dirty
            # pages: "fsyncgate"): cut back to it; the caller reopens and
            # writes the whole entry again.
            try:
                os.ftruncate(self._fd, self._size)
            except OSError:
                pass  # the next open moves a torn tail aside
            raise
        self._size += len(blob)

    def flush(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None

    @property
    def size(self) -> int:
        return self._size if self._fd is not None else 0


_DOC_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode(entry: dict[str, Any]) -> bytes:
    return (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


FILE_MODE = 0o640  # every file holding answers: no access for others
DIR_MODE = 0o750


def _write_all(fd: int, blob: bytes) -> None:
    """os.write until all of ``blob`` is written (a write may be short)."""
    view = memoryview(blob)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "write made no progress")
        view = view[written:]


def write_atomic(path: Path, blob: bytes, mode: int = FILE_MODE) -> None:
    """Write a whole file via temp + fsync + rename + fsync of the directory,
    so that after a power cut it is either the old or the new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        try:
            os.fchmod(fd, mode)  # a temp file left by a crash keeps its old mode
            _write_all(fd, blob)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


_write_atomic = write_atomic  # the name kiosk/store/response_store.py imports


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, not followed
    through a link: a FIFO, a link to /dev/zero or to another day file
    planted under a name the kiosk reads would block, never end, or count
    twice.  Raises ``OSError`` otherwise (``IsADirectoryError`` for a folder)."""
    def opener(name: str, flags: int) -> int:
        return os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)

    try:
        handle = open(path, "rb", opener=opener)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "not a regular file (a link)", str(path)) from None
        raise
    try:
        mode = os.fstat(handle.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe or a device)", str(path))
        return handle
    except BaseException:
        handle.close()
        raise


def read_regular(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file (``open_regular``)."""
    with open_regular(path) as handle:
        return handle.read()


def _still_named(fd: int, path: Path) -> None:
    """Raise ``OSError`` unless ``path`` still names the open file ``fd``: bytes
    synced into a file that was deleted or moved away (``rm -rf`` of the data
    dir, a rename) are not where any reader will look: not durable."""
    held = os.fstat(fd)
    try:
        named = os.stat(path)
    except FileNotFoundError:
        named = None
    if named is None or (named.st_dev, named.st_ino) != (held.st_dev, held.st_ino):
        raise OSError(errno.ESTALE, "the file was moved or deleted while open", str(path))


def refuse_unless_regular(path: Path) -> None:
    """Raise ``OSError`` when ``path`` exists and is not a regular file: a FIFO
    would block the writer forever, a device or a link write elsewhere."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file (a link, a pipe, a device or a "
                      "directory): move it away", str(path))


def fsync_dir(directory: Path) -> None:
    """Make the names in ``directory`` durable: a new or renamed file survives
    a power cut only once its directory is fsynced.  Raises ``OSError``."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(directory: Path) -> None:
    """``mkdir -p`` whose new directories survive a power cut (each one's
    parent is fsynced after it is made)."""
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process
        fsync_dir(path.parent)


TAIL_BYTES = 64 * 1024


def _tail_max_ids(path: Path) -> dict[str, int] | None:
    """Per table, the highest doc id put in the last ``TAIL_BYTES`` of a journal,
    or None when the file needs a whole parse first: a torn or bad tail (to be
    repaired), or a tail holding no put at all.

    Enough for the next id: ids grow with every insert, so the highest id of
    the file is on its last insert line, and a tail holding any put holds the
    last insert too (a put that is not an insert re-puts an annotated record
    right after its tap, never hundreds of them in a row)."""
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            start = max(0, size - TAIL_BYTES)
            handle.seek(start)
            blob = handle.read()
    except FileNotFoundError:
        return {}
    if not blob:
        return {}
    if not blob.endswith(b"\n"):
        return None
    if start:
        first = blob.find(b"\n") + 1  # the first line is cut: skip it
        blob = blob[first:]
    entries, bad, _end = parse_journal(blob)
    if bad:
        return None
    highest: dict[str, int] = {}
    for entry in entries:
        if entry["op"] == "put":
            try:
                doc_id = int(entry["id"])
            except ValueError:
                return None
            table = entry["table"]
            highest[table] = max(highest.get(table, 0), doc_id)
        else:
            return None  # a delete or drop: let the whole parse judge
    return highest or None


class AppendTable(Table):
    """TinyDB's Table rebuilds the whole table dict on every insert (O(n) per
    tap).  Over a ``JournalStorage`` an insert is one appended line instead;
    every other operation keeps TinyDB's own code path."""

    def insert(self, document: Mapping[str, Any]) -> int:
        storage = self._storage
        if not isinstance(storage, JournalStorage) or isinstance(document, self.document_class):
            return super().insert(document)
        if not isinstance(document, Mapping):
            raise ValueError("Document is not a Mapping")
        doc_id = self._get_next_id()
        storage.append_document(self.name, str(doc_id), dict(document))
        self.clear_cache()
        return doc_id

    def _get_next_id(self) -> int:
        storage = self._storage
        if self._next_id is None and isinstance(storage, JournalStorage):
            self._next_id = storage.next_id(self.name)  # type: ignore[assignment]  # without reading the whole table
        next_id: int = super()._get_next_id()  # type: ignore[no-untyped-call]
        return next_id

    def update(self, fields: Mapping[Any, Any] | Callable[[MutableMapping[Any, Any]], None],
               cond: Any = None, doc_ids: Iterable[int] | None = None) -> list[int]:
        """By ``doc_ids`` of documents in memory (a follow-up answer onto the tap
        just written): one line appended, no whole-table read; else TinyDB's own."""
        storage = self._storage
        if (isinstance(storage, JournalStorage) and cond is None and doc_ids is not None
                and isinstance(fields, Mapping)):
            held = storage.cached_documents(self.name)
            keys = [str(doc_id) for doc_id in doc_ids]
            if all(key in held for key in keys):
                for key in keys:
                    storage.replace_document(self.name, key, {**held[key], **fields})
                self.clear_cache()
                return list(doc_ids)
        return super().update(fields, cond, doc_ids)


class JournalDB(TinyDB):
    """TinyDB over a ``JournalStorage`` with O(1) inserts."""

    table_class = AppendTable
