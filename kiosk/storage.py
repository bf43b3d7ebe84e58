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
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table


class _TrackedDoc(dict):
    """A stored document that remembers in-place changes (TinyDB's ``update``
    mutates documents instead of replacing them)."""

    __slots__ = ("dirty",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dirty = False

    def _touch(name):  # noqa: N805 - builds the mutating wrappers below
        original = getattr(dict, name)

        def wrapper(self, *args, **kwargs):
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


def parse_journal(blob: bytes) -> tuple[list[dict[str, Any]], list[bytes], int]:
    """Split journal bytes into (good entries, bad lines, length of the complete part).

    A last fragment without a newline is incomplete (being written, or torn by
    a crash) and is returned as a bad line only in the bad list; ``good_length``
    ends at the last newline."""
    entries: list[dict[str, Any]] = []
    bad: list[bytes] = []
    end = blob.rfind(b"\n") + 1
    fast = _parse_all(blob, end)
    if fast is not None:
        if end < len(blob):
            bad.append(blob[end:])
        return fast, bad, end
    for line in blob[:end].splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if _valid_entry(entry):
            entries.append(entry)
        else:
            bad.append(line)
    if end < len(blob):
        bad.append(blob[end:])
    return entries, bad, end


def _parse_all(blob: bytes, end: int) -> list[dict[str, Any]] | None:
    """The common case in one ``json.loads`` call (several times faster than a
    call per line): every complete line is a valid entry.  None when any line
    is not, so the caller falls back to line by line and finds the bad ones."""
    if not end:
        return []
    body = blob[:end].rstrip(b"\n")
    if b"\n\n" in body or b"\r" in body or blob[:1].isspace():
        return None  # blank lines or CRLF: let the careful path judge
    try:
        entries = json.loads(b"[" + body.replace(b"\n", b",") + b"]")
    except ValueError:
        return None
    if len(entries) != body.count(b"\n") + 1:
        return None  # a line held more than one value, e.g. "1,2"
    for entry in entries:
        if not _valid_entry(entry):
            return None
    return entries


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("table"), str):
        return False
    op = entry.get("op")
    if op == "put":
        return isinstance(entry.get("id"), str) and isinstance(entry.get("doc"), dict)
    if op == "del":
        return isinstance(entry.get("id"), str)
    return op == "drop"


def replay(entries: list[dict[str, Any]]) -> dict[str, dict[str, dict]]:
    """Apply journal entries in order; the result is TinyDB's whole-database dict."""
    tables: dict[str, dict[str, dict]] = {}
    for entry in entries:
        op, name = entry["op"], entry["table"]
        if op == "put":
            tables.setdefault(name, {})[entry["id"]] = _TrackedDoc(entry["doc"])
        elif op == "del":
            tables.get(name, {}).pop(entry["id"], None)
        else:
            tables.pop(name, None)
    return tables


def iter_documents(path: Path, table: str, damage: list[Damage] | None = None
                   ) -> Iterator[dict[str, Any]]:
    """Stream the current documents of one table without building a TinyDB
    (export and stats read years of files this way).  Damaged lines are skipped
    and reported in ``damage``; a last line still being written is not damage."""
    yield from _documents(path, path.read_bytes(), table, damage)


# -- column reads: the append-only fast path ---------------------------------

# Bytes that never occur in a journal we wrote ourselves (json.dumps escapes
# them), so their presence sends a file down the careful path.
_CONTROL = bytes(range(0, 10)) + bytes(range(11, 32))
_CUT = '","'  # between a string value and the next key: where lines are cut
_STRING = '([^"\n]*)'
_LITERAL = "(-?(?:0|[1-9][0-9]*)|true|false|null)"
_DISTINCT = 64  # a column with at most this many distinct parts is decoded per part


@dataclass
class Group:
    """Consecutive keys of every document, as cut out of the journal lines.

    ``values`` holds, per document, the group's value (one key whose parts vary
    a lot: the string itself) or a code: a part of the line, decoded by
    ``table[code]`` into one value per key.  A value is the text of a JSON
    string (exactly what ``json.loads`` gives) or, for the keys marked in
    ``literal``, the JSON literal as written (``3``, ``true``, ``null``)."""

    keys: tuple[str, ...]
    literal: tuple[bool, ...]
    values: list[str]
    table: dict[str, tuple[str, ...]] | None


@dataclass
class Columns:
    """The documents of one table of a journal by column groups, in key order."""

    groups: list[Group]
    rows: int

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for group in self.groups for key in group.keys)

    def docs(self) -> list[dict[str, Any]]:
        """The documents as ``iter_documents`` gives them (tests, small files)."""
        columns = []
        for group in self.groups:
            for i, (key, literal) in enumerate(zip(group.keys, group.literal)):
                if group.table is None:
                    values = group.values
                else:
                    values = [group.table[code][i] for code in group.values]
                columns.append((key, [json.loads(v) for v in values] if literal else values))
        return [{key: values[row] for key, values in columns} for row in range(self.rows)]


def read_table(path: Path, table: str, damage: list[Damage] | None = None
               ) -> "Columns | list[dict[str, Any]]":
    """The current documents of ``table`` in one journal file: as ``Columns``
    when the file is the plain append-only case (see ``journal_columns``),
    else as the list ``iter_documents`` yields."""
    blob = path.read_bytes()
    columns = journal_columns(blob, table)
    if columns is not None:
        return columns
    return list(_documents(path, blob, table, damage))


def journal_columns(blob: bytes, table: str) -> Columns | None:
    """The documents of ``table`` by column, without a JSON parse or a dict per
    line, or None when the journal is not the plain case this handles: every
    complete line is our encoder's canonical line (compact, ``ensure_ascii=False``)
    of a ``put`` into ``table`` with a distinct id, all documents with the
    same keys in the same order, strings free of escapes and control
    characters, other values ints, booleans or null.  That is what taps and
    bulk loads write; a file with updates (annotations), deletes or anything
    unusual gets None and goes through ``parse_journal`` (same documents, slower).

    Why this is exact: with no backslash in the file every ``"`` delimits a
    string, so ``'","'`` only occurs between a string value and the next key.
    The lines are cut there; every part must match the first line's part in
    the same position (constants equal, values well formed), and the file must
    hold exactly as many quotes as those constants: then no value holds a quote
    and every line is the canonical encoding of a put with those values."""
    end = blob.rfind(b"\n") + 1
    if not end:
        return None
    body = blob[:end]  # a last line without its newline is not complete yet
    if b"\\" in body or len(body.translate(None, _CONTROL)) != end:
        return None
    try:
        text = body.decode("utf-8")
        line = text[:text.index("\n") + 1]
        entry = json.loads(line)
    except ValueError:
        return None
    segments = _segments(entry, table, line)
    if segments is None:
        return None
    rows = text.count("\n")
    if text.count('"') != rows * line.count('"'):
        return None
    head = segments[0][0]
    parts = (text + head).split(_CUT)
    width = len(segments) - 1
    if len(parts) != rows * width + 1 or parts[0] != head:
        return None
    groups: list[Group] = []
    for position in range(1, width + 1):
        items = segments[position]
        if position == width:
            items = [*items[:-1], items[-1] + head]  # the part between two lines
        column = parts[position::width]
        keys = tuple(item[1] for item in items if isinstance(item, tuple))
        literal = tuple(item[0] == "l" for item in items if isinstance(item, tuple))
        simple = len(items) == 2 and items[1] == ("s", items[1][1])
        if keys == ("\0id",):  # the entry ids: all distinct (no update), else replay
            if not simple or len(set(column)) != rows:
                return None
            if not all(map(str.startswith, column, repeat(items[0]))):
                return None
            continue
        if simple and len(set(column[:_DISTINCT])) > 8:
            # A constant and one string that varies (ids, timestamps): most of
            # a line's bytes.  The quote and newline counts above vouch for it.
            prefix = items[0]
            if not all(map(str.startswith, column, repeat(prefix))):
                return None
            values = list(map(itemgetter(slice(len(prefix), None)), column))
            groups.append(Group(keys, literal, values, None))
            continue
        distinct = set(column)
        pattern = re.compile("".join(
            (_STRING if item[0] == "s" else _LITERAL) if isinstance(item, tuple)
            else re.escape(item) for item in items))
        decoded = {}
        for part in distinct:
            match = pattern.fullmatch(part)
            if match is None:
                return None
            decoded[part] = match.groups()
        if keys:
            groups.append(Group(keys, literal, column, decoded))
    return Columns(groups, rows)





def _segments(entry: Any, table: str, line: str) -> list[list[Any]] | None:
    """The canonical line of ``entry`` cut at ``'","'``: per part, a list of
    constants and value slots (("s", key) for a string, ("l", key) for a
    literal; the entry id is the key "\\0id").  None when ``line`` is not that
    canonical line of a put into ``table`` with a flat document."""
    if not (isinstance(entry, dict) and list(entry) == ["op", "table", "id", "doc"]
            and entry["op"] == "put" and entry["table"] == table
            and isinstance(entry["id"], str) and isinstance(entry["doc"], dict)
            and entry["doc"] and _encode(entry).decode("utf-8") == line):
        return None
    if not _plain(table):
        return None
    items: list[Any] = ['{"op":"put","table":"' + table + '","id":"', ("s", "\0id"), '","doc":{']
    for index, (key, value) in enumerate(entry["doc"].items()):
        if not _plain(key) or key == "\0id":
            return None
        items.append(("," if index else "") + '"' + key + '":')
        if isinstance(value, str):
            items += ['"', ("s", key), '"']
        elif value is None or isinstance(value, (bool, int)):
            items.append(("l", key))
        else:
            return None  # floats, lists, objects: the careful path
    items.append("}}\n")
    merged: list[Any] = []
    for item in items:
        if isinstance(item, str) and merged and isinstance(merged[-1], str):
            merged[-1] += item
        else:
            merged.append(item)
    segments: list[list[Any]] = [[]]
    for item in merged:
        if isinstance(item, tuple):
            segments[-1].append(item)
            continue
        pieces = item.split(_CUT)
        for i, piece in enumerate(pieces):
            if i:
                segments.append([])
            if piece:
                segments[-1].append(piece)
    if len(segments[0]) != 1 or not isinstance(segments[0][0], str):
        return None
    for segment in segments[1:]:
        if not segment or not isinstance(segment[0], str):
            return None  # a part must start with a constant (a key)
    return segments


def _plain(text: str) -> bool:
    """Whether ``text`` appears between quotes as itself in our encoding."""
    return json.dumps(text, ensure_ascii=False) == f'"{text}"'


def _documents(path: Path, blob: bytes, table: str, damage: list[Damage] | None
               ) -> Iterator[dict[str, Any]]:
    entries, bad, end = parse_journal(blob)
    if end < len(blob):
        bad = bad[:-1]
    if bad and damage is not None:
        damage.append(Damage(path, len(bad), None))
    docs: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["table"] != table and entry["op"] != "drop":
            continue
        if entry["op"] == "put":
            docs[entry["id"]] = entry["doc"]
        elif entry["op"] == "del":
            docs.pop(entry["id"], None)
        elif entry["table"] == table:
            docs.clear()
    return iter(docs.values())


class JournalStorage(Storage):
    """TinyDB storage over an append-only JSON-lines journal (see module doc).

    ``read_only`` opens without repairing anything.  ``sync=False`` skips the
    fsync, for bulk loads that sync once at the end (``flush``)."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False,
                 sync: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self.read_only = read_only
        self.sync = sync
        self.damage: Damage | None = None
        self._fd: int | None = None
        blob = self.path.read_bytes() if self.path.exists() else b""
        entries, bad, good_length = parse_journal(blob)
        self._tables = replay(entries)
        if bad:
            self.damage = Damage(self.path, len(bad), None)
        if read_only:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if bad:
            self._repair(entries, bad, good_length, len(blob))
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._size = os.fstat(self._fd).st_size

    # -- repair -----------------------------------------------------------
    def _repair(self, entries, bad: list[bytes], good_length: int, total: int) -> None:
        """Move bad lines aside, keep good ones; both steps are crash-safe."""
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        _write_atomic(aside, b"\n".join(bad) + b"\n")
        only_torn_tail = len(bad) == 1 and good_length < total
        if only_torn_tail:
            # Everything before the last newline parsed: just cut the tail off.
            with open(self.path, "r+b") as handle:
                handle.truncate(good_length)
                os.fsync(handle.fileno())
        else:
            good = b"".join(_encode(e) for e in entries)
            _write_atomic(self.path, good)
        self.damage = Damage(self.path, len(bad), aside)

    # -- TinyDB's Storage interface --------------------------------------
    def read(self) -> dict[str, dict[str, dict]]:
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

    def append_documents(self, table: str, docs: list[dict[str, Any]]) -> list[str]:
        """Insert many documents with one write (and one fsync when ``sync``):
        bulk loads.  Ids continue after the table's highest id.  A crash can
        only tear the last line, exactly as for a single insert."""
        if self._fd is None:
            raise PermissionError(f"{self.path}: opened read-only")
        existing = self._tables.setdefault(table, {})
        next_id = max(map(int, existing), default=0) + 1
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
            view = memoryview(blob)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            if self.sync:
                os.fdatasync(self._fd)
        except OSError:
            try:
                os.ftruncate(self._fd, self._size)
            except OSError:
                pass  # the next open moves the torn tail aside
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


def _write_atomic(path: Path, blob: bytes) -> None:
    """Write a whole file via temp + fsync + rename, so it is either old or new."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(blob)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class AppendTable(Table):
    """TinyDB's Table rebuilds the whole table dict on every insert (O(n) per
    tap).  Over a ``JournalStorage`` an insert is one appended line instead;
    every other operation keeps TinyDB's own code path."""

    def insert(self, document):
        storage = self._storage
        if not isinstance(storage, JournalStorage) or isinstance(document, self.document_class):
            return super().insert(document)
        if not isinstance(document, Mapping):
            raise ValueError("Document is not a Mapping")
        doc_id = self._get_next_id()
        storage.append_document(self.name, str(doc_id), dict(document))
        self.clear_cache()
        return doc_id


class JournalDB(TinyDB):
    """TinyDB over a ``JournalStorage`` with O(1) inserts."""

    table_class = AppendTable
