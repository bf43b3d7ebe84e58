"""The journal format: one JSON line per change, parsed back into TinyDB's dict.

    {"op": "put", "table": "responses", "id": "7", "doc": {...}}
    {"op": "del", "table": "responses", "id": "7"}
    {"op": "drop", "table": "responses"}

This module owns the line format: encoding entries (``_encode``), parsing
journal bytes into good entries and bad lines (``parse_journal``), replaying
them into TinyDB's whole-database dict (``replay``) and reading one table's
current documents without a TinyDB (``read_documents``: export, stats and the
data-dir reader read years of files this way).  Readers skip a last line that
has no newline yet, so they never see a half-written record.

It writes nothing; it imports only the durable-file helpers (``durable``).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from kiosk.store.durable import read_regular


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


_DOC_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode(entry: dict[str, Any]) -> bytes:
    return (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# How much of a journal's end a lazy open reads (the last insert's line is in it).
TAIL_BYTES = 64 * 1024
