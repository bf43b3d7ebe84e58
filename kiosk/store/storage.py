"""A crash-safe, append-only TinyDB ``Storage``: one JSON-lines journal per file.

Stock ``JSONStorage`` rewrites the whole file in place on every insert: the cost
grows with the file and a kill mid-write breaks everything.  ``JournalStorage``
keeps the tables in memory and, on ``write(data)``, appends only the documents
that changed since the last write, as one line each (the format:
``kiosk.store.journal``), then fsyncs.

Earlier bytes are never rewritten, so a kill at any instant can only leave a
torn last line.  Reopening for writing moves such a tail (and any line that
does not parse) aside into ``<file>.damaged-<stamp>`` so staff can find it, and
keeps every good line.

Durability (proven by tests/powerloss.py, which keeps only what was fsynced):
a tap's line is fdatasync'ed before the write returns; a file's *name* is
durable only once its directory is fsynced, so every new or renamed file
(day file, moved-aside part, repaired file, ``write_atomic``) and every new
directory is followed by a directory fsync before anything is acknowledged.
A failed write or fsync cuts the file back to its last durable length and
raises: the caller reopens and writes again, never trusting unsynced bytes.

This module keeps the names other modules import from it (the journal and
durable-file helpers are re-exported).
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from kiosk.store.durable import (
    DIR_MODE,
    FILE_MODE,
    _still_named,
    _write_all,
    _write_atomic,
    fsync_dir,
    make_dirs,
    open_regular,
    read_regular,
    refuse_unless_regular,
    write_atomic,
)
from kiosk.store.journal import (
    _DOC_ENCODER,
    SETTLED_SECONDS,
    TAIL_BYTES,
    Damage,
    DocCheck,
    _encode,
    _TrackedDoc,
    current_documents,
    parse_journal,
    read_documents,
    replay,
)
from kiosk.store.repair import cut_torn_tail, repair

# What other modules import from here: this module's own names and, re-exported,
# the journal format (kiosk.store.journal) and durable-file helpers (kiosk.store.durable).
__all__ = [
    "DIR_MODE", "FILE_MODE", "SETTLED_SECONDS", "TAIL_BYTES", "AppendTable", "Damage", "DocCheck",
    "JournalDB", "JournalStorage", "_write_atomic", "current_documents", "fsync_dir", "make_dirs",
    "open_regular", "parse_journal", "read_documents", "read_regular", "refuse_unless_regular",
    "replay", "write_atomic",
]


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
            self.damage = cut_torn_tail(self.path) or self.damage
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
            self.damage = repair(self.path, entries, bad, good_length, len(blob))
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
