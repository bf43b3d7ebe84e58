"""The sync's state file, ``sync-state.json``, and the one line the admin view shows.

The sync thread (or ``kiosk sync --once``) writes the file after every pass; the
admin view, in any process, only reads it: "synced 12 s ago" or
"340 answers waiting to sync since 09:14".  Imports nothing heavy.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import Config

STATE_FILE = "sync-state.json"


@dataclass(frozen=True)
class SyncState:
    synced_at: str | None = None  # ISO time of the last pass that emptied the backlog
    waiting: int = 0  # answers not in the database yet (at the last pass)
    waiting_since: str | None = None  # ISO time of the oldest of them
    error: str | None = None  # why the last pass failed (one line), None if it did not
    skipped: int = 0  # responses of other kiosk ids (imports): never pushed from here
    head_office: str | None = None  # reconciliation: "head office holds every answer up to …"
    foreign: str | None = None  # answers under another kiosk id, not adopted (one line)
    rejected: str | None = None  # "N rows rejected (why)": quarantined, never sent


def write_state(data_dir: Path, state: SyncState) -> None:
    """Replace the state file atomically (no fsync: it is rewritten every pass)."""
    path = Path(data_dir) / STATE_FILE
    tmp = path.with_name(f".{STATE_FILE}.tmp")
    tmp.write_text(json.dumps(asdict(state), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def read_state(data_dir: Path) -> SyncState | None:
    try:
        raw = json.loads((Path(data_dir) / STATE_FILE).read_text(encoding="utf-8"))
        return SyncState(**{key: raw[key] for key in SyncState.__dataclass_fields__
                            if key in raw})
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def _clock(stamp: datetime, now: datetime) -> str:
    local = stamp.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def status_line(data_dir: Path, now: datetime) -> str:
    """One line about the fleet sync of ``data_dir`` at ``now`` (timezone-aware)."""
    state = read_state(data_dir)
    if state is None:
        return "fleet sync: not run yet"
    if state.waiting:
        since = ""
        if state.waiting_since:
            since = f" since {_clock(datetime.fromisoformat(state.waiting_since), now)}"
        line = f"{state.waiting} answers waiting to sync{since}"
    elif state.synced_at:
        line = f"synced {_age((now - datetime.fromisoformat(state.synced_at)).total_seconds())} ago"
    else:
        line = "fleet sync: nothing synced yet"
    if state.error:
        line += f" ({state.error})"
    for extra in (state.rejected, state.foreign):
        if extra:
            line += f" · {extra}"
    if state.head_office and not state.error:
        line += f" · {state.head_office}"
    return line


def sync_line(config: Config, now: datetime | None = None) -> str:
    """The admin view's sync line: empty without [sync] (a single shop sees nothing)."""
    if config.sync is None:
        return ""
    if now is None:
        from kiosk.store.localtime import Calendar

        now = Calendar(config.kiosk.timezone).now()  # "since 09:14" on the counter's clock
    return "⇅ " + status_line(config.data_dir, now)
