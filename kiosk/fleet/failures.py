"""Why a sync pass failed, told apart: unreachable, refused (permissions, another
installation, an older schema), or stored less than was sent."""
from __future__ import annotations

from kiosk.fleet.connection import first_line


class SyncUnavailable(Exception):
    """The push failed (one line); the cursor keeps what was stored.  The base of:"""

    prefix = "the fleet database is unreachable"
    hint = "nothing lost, the next run catches up"


class SyncRefused(SyncUnavailable):
    """The database refused this login: permissions, or another installation holds it."""

    prefix = "the fleet database refused this kiosk"
    hint = "nothing lost; head office must fix the login (docs/FLEET.md)"


class SyncMismatch(SyncUnavailable):
    """The database holds fewer rows of a batch than were sent."""

    prefix = "head office did not store every answer sent"
    hint = "nothing lost here; run kiosk fleet check at head office"


class SyncBusy(Exception):
    """Another sync of this data dir is running (the kiosk's thread or cron)."""


def classify(exc: BaseException) -> SyncUnavailable:
    """Unreachable, or refused (permissions, an older schema): told apart."""
    import psycopg

    reason = first_line(exc)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return SyncRefused(f"permissions: {reason}")
    if isinstance(exc, psycopg.errors.UndefinedFunction | psycopg.errors.UndefinedTable):
        return SyncRefused(f"the fleet schema is older than this kiosk; run kiosk fleet init "
                           f"at head office ({reason})")
    if isinstance(exc, psycopg.OperationalError) and "password authentication" in reason:
        return SyncRefused(reason)
    if isinstance(exc, psycopg.OperationalError):
        return SyncUnavailable(reason)
    return SyncRefused(reason)
