"""What the counter holds, per local day, to compare with head office; the local
quarantine; kiosk ids adopted on purpose; this installation's id.

Per day (the kiosk's zone, as its store files them): the answers recorded under
this kiosk's id (and ids it adopted), and a digest of their ids, sha-256 of the
ids sorted by code point, one a line: ``fleet.reconciliation`` (migration 0003)
computes the same from what the database holds.  Answers under other ids that
were not adopted are counted apart, so a renamed kiosk is never skipped silently.

Files in the data dir (all small, written atomically):
``sync-quarantine.json`` rows the database would refuse, with the reason;
``fleet-adopted.json`` old kiosk ids whose answers this site syncs as its own;
``fleet-installation`` this installation's random id (one installation per login);
``sync-days.json`` per day file, the answers under other ids (ForeignCounts).
Imports no psycopg.
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.models import doc_problem
from kiosk.store.datadir import RESPONSES_DIR, TABLE
from kiosk.store.localtime import Calendar
from kiosk.store.storage import parse_journal, write_atomic

QUARANTINE_FILE = "sync-quarantine.json"
ADOPTED_FILE = "fleet-adopted.json"
INSTALLATION_FILE = "fleet-installation"
DAYS_FILE = "sync-days.json"


def digest(ids: Iterable[str]) -> str:
    """The day's digest: what fleet.reconciliation computes on the server."""
    text = "\n".join(sorted(ids))
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()


@dataclass(frozen=True)
class DayReport:
    day: date
    answers: int  # under this kiosk's id or an adopted one
    digest: str
    quarantined: int
    foreign: int  # under other ids, not adopted
    foreign_ids: str | None  # "counter-1 (60)", for the message


def day_file_names(data_dir: Path) -> list[str]:
    folder = Path(data_dir) / RESPONSES_DIR
    try:
        return sorted(e.name for e in os.scandir(folder)
                      if e.name.endswith(".jsonl") and e.is_file())
    except FileNotFoundError:
        return []


def latest_docs(data_dir: Path, name: str) -> list[dict[str, Any]]:
    """Every valid response of one day file, its latest put per id."""
    try:
        blob = (Path(data_dir) / RESPONSES_DIR / name).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return []
    blob = blob[: blob.rfind(b"\n") + 1]
    entries, _bad, _good = parse_journal(blob)
    latest: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["op"] == "put" and entry["table"] == TABLE and doc_problem(entry["doc"]) is None:
            latest[entry["doc"]["id"]] = entry["doc"]
    return list(latest.values())


def day_reports(data_dir: Path, names: Iterable[str], kiosk_id: str, adopted: set[str],
                calendar: Calendar, quarantined: set[str]
                ) -> tuple[list[DayReport], dict[str, Counter[str]]]:
    """The reports of the days held in day files ``names``, and per file the answers
    under other ids (not adopted), for ForeignCounts."""
    own: dict[date, set[str]] = {}
    foreign: dict[date, Counter[str]] = {}
    per_file: dict[str, Counter[str]] = {}
    for name in names:
        others = per_file.setdefault(name, Counter())
        for doc in latest_docs(data_dir, name):
            day, _hour = calendar.day_and_hour(datetime.fromisoformat(doc["timestamp"]))
            if doc["kiosk"] == kiosk_id or doc["kiosk"] in adopted:
                own.setdefault(day, set()).add(doc["id"])
            else:
                foreign.setdefault(day, Counter())[doc["kiosk"]] += 1
                others[doc["kiosk"]] += 1
    reports = []
    for day in sorted(set(own) | set(foreign)):
        ids = own.get(day, set())
        day_others = foreign.get(day, Counter())
        reports.append(DayReport(
            day, len(ids), digest(ids), len(ids & quarantined), sum(day_others.values()),
            ", ".join(f"{k} ({n})" for k, n in day_others.most_common(5)) or None))
    return reports, per_file


class ForeignCounts:
    """Per day file, answers under other kiosk ids: kept in ``sync-days.json`` and
    updated for the files a pass touched, so a pass after one tap never reads
    years of day files.  No file yet (first pass, after an upgrade or an
    adoption): every day file is read and reported once."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DAYS_FILE
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.files: dict[str, dict[str, int]] | None = {
                str(name): {str(k): int(n) for k, n in counts.items()}
                for name, counts in raw["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.files = None

    @property
    def complete(self) -> bool:
        return self.files is not None

    def update(self, per_file: dict[str, Counter[str]]) -> None:
        files = dict(self.files or {})
        for name, counts in per_file.items():
            files[name] = dict(counts)
        self.files = files
        blob = json.dumps({"version": 1, "files": files}, ensure_ascii=True)
        write_atomic(self.path, blob.encode("ascii"))

    def total(self) -> Counter[str]:
        found: Counter[str] = Counter()
        for counts in (self.files or {}).values():
            found.update(counts)
        return +found


class Quarantine:
    """Rows the database would refuse (or did), by id: never sent again, shown."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / QUARANTINE_FILE
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.rows: dict[str, dict[str, str]] = dict(raw["rows"])
        except (OSError, ValueError, KeyError, TypeError):
            self.rows = {}

    def add(self, row_id: str, day: str, reason: str) -> None:
        self.rows[row_id] = {"day": day, "reason": reason}
        blob = json.dumps({"version": 1, "rows": self.rows}, ensure_ascii=True, indent=1)
        write_atomic(self.path, blob.encode("ascii"))

    def ids(self) -> set[str]:
        return set(self.rows)


def adopted_ids(data_dir: Path) -> set[str]:
    try:
        raw = json.loads((Path(data_dir) / ADOPTED_FILE).read_text(encoding="utf-8"))
        return {str(item) for item in raw["adopted"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def adopt(data_dir: Path, old_id: str) -> None:
    """Record that this site syncs the answers made under ``old_id`` as its own."""
    ids = adopted_ids(data_dir) | {old_id}
    blob = json.dumps({"version": 1, "adopted": sorted(ids)}, ensure_ascii=True)
    write_atomic(Path(data_dir) / ADOPTED_FILE, blob.encode("ascii"))


def foreign_answers(data_dir: Path, kiosk_id: str, adopted: set[str]) -> Counter[str]:
    """Answers per kiosk id other than this one's and the adopted ones (whole data dir)."""
    found: Counter[str] = Counter()
    for name in day_file_names(data_dir):
        for doc in latest_docs(data_dir, name):
            if doc["kiosk"] != kiosk_id and doc["kiosk"] not in adopted:
                found[doc["kiosk"]] += 1
    return found


def installation_id(data_dir: Path) -> str:
    """This installation's id, made once (a copy of the config elsewhere gets another)."""
    path = Path(data_dir) / INSTALLATION_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    value = uuid.uuid4().hex
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (value + "\n").encode("ascii"))
    return value
