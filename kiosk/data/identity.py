"""Identity across the data dir for ``kiosk import``: every stored response id -> its day file(s).

Imports nothing of the store: ``kiosk.data.importer.stored_ids`` fills it.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class StoredIds:
    """Every response id in the data dir -> the day file(s) that may hold it.

    Keyed by a hash of the id (~80 bytes per stored id instead of ~130 for the
    text): a hit is confirmed by reading the day file, and ids that share a hash
    keep every candidate file, so the answer is exact."""

    def __init__(self, key: Callable[[str], int] = hash) -> None:
        self._key = key
        self._files: dict[int, Path | tuple[Path, ...]] = {}

    def add(self, ident: str, path: Path) -> None:
        key = self._key(ident)
        found = self._files.get(key)
        if found is None:
            self._files[key] = path
        elif isinstance(found, tuple):
            if path not in found:
                self._files[key] = (*found, path)
        elif found != path:
            self._files[key] = (found, path)

    def candidates(self, ident: str) -> tuple[Path, ...]:
        found = self._files.get(self._key(ident))
        if found is None:
            return ()
        return found if isinstance(found, tuple) else (found,)
