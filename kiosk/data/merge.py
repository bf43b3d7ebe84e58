"""Annotations merged back onto stored answers by ``kiosk import``.

A reason, comment or NPS a customer gave after the tap is written as a second
line of the tap's record.  When that write fails (a full disk between the low
score and its reason), the kiosk saves the whole record, annotation included,
to its fallback file.  Importing that file finds the tap already stored without
the annotation: the annotation is put onto the stored record (one journal line),
not refused as a conflict.  A stored record that already holds another value
stays as it is (the row is rejected with the column named).

Imports the store's journal (``JournalStorage``) only; the caller holds the
data dir's lock.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

ANNOTATION_COLUMNS = frozenset({"reason", "comment", "nps"})


def missing_annotations(stored: dict[str, Any], new: dict[str, Any],
                        differences: list[str]) -> dict[str, Any] | None:
    """The annotations ``new`` adds to ``stored`` when they differ only in
    annotations the stored record does not have yet; None otherwise (a conflict)."""
    if not differences or not ANNOTATION_COLUMNS.issuperset(differences):
        return None
    extra: dict[str, Any] = {}
    for column in differences:
        if stored.get(column) is not None or new.get(column) is None:
            return None
        extra[column] = new[column]
    return extra


def put_annotations(path: Path, table: str, extras: dict[str, dict[str, Any]]) -> int:
    """Put ``extras`` (response id -> fields) onto the records of one day file,
    one appended and fsynced line per record; returns how many were found."""
    from kiosk.store.storage import JournalStorage
    from kiosk.store.writer import valid_doc

    storage = JournalStorage(path, valid_doc=valid_doc)
    try:
        held = storage.cached_documents(table)
        by_id = {doc.get("id"): doc_id for doc_id, doc in held.items()}
        done = 0
        for ident, fields in extras.items():
            doc_id = by_id.get(ident)
            if doc_id is not None:
                storage.replace_document(table, doc_id, {**held[doc_id], **fields})
                done += 1
        return done
    finally:
        storage.close()
