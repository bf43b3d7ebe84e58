"""The fleet database's schema, owned by the project: versioned migrations and roles.

``migrations/NNNN_name.sql`` run in order, each in its own transaction together
with its row in ``fleet.schema_migrations``, under an advisory lock: running
``kiosk fleet init`` twice (or twice at once) applies each file once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.fleet.connection import FleetError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x6B696F736B  # "kiosk": one migrator at a time
KIOSK_GROUP = "fleet_kiosk"
HEAD_OFFICE_GROUP = "fleet_head_office"
# A kiosk login's connections: its sync thread, a cron `kiosk sync`, one spare
# (migration 0003 sets the same on existing logins).
KIOSK_CONNECTION_LIMIT = 3


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def migrations() -> list[Migration]:
    """The shipped migrations, in version order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", path.name)
        if match:
            found.append(Migration(int(match[1]), match[2], path))
    return found


def applied_versions(conn: Any) -> set[int]:
    rows = conn.execute(
        "SELECT version FROM fleet.schema_migrations").fetchall()
    return {row[0] for row in rows}


def init_schema(conn: Any) -> list[str]:
    """Apply the migrations not applied yet; returns their file names."""
    applied: list[str] = []
    conn.autocommit = True
    with conn.transaction():
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        with conn.transaction():
            conn.execute("CREATE SCHEMA IF NOT EXISTS fleet")
            conn.execute("CREATE TABLE IF NOT EXISTS fleet.schema_migrations ("
                         " version integer PRIMARY KEY, name text NOT NULL,"
                         " applied_at timestamptz NOT NULL DEFAULT now())")
        done = applied_versions(conn)
        for migration in migrations():
            if migration.version in done:
                continue
            with conn.transaction():
                conn.execute(migration.path.read_text(encoding="utf-8"))
                conn.execute("INSERT INTO fleet.schema_migrations (version, name) "
                             "VALUES (%s, %s)", (migration.version, migration.name))
            applied.append(migration.path.name)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied


@dataclass(frozen=True)
class Credentials:
    role: str
    password: str


def role_name_for(kiosk_id: str) -> str:
    """A PostgreSQL role name for a kiosk id: readable, and unique (a hash of the id)."""
    slug = re.sub(r"[^a-z0-9]+", "_", kiosk_id.lower()).strip("_")[:40] or "kiosk"
    digest = hashlib.sha256(kiosk_id.encode("utf-8")).hexdigest()[:8]
    return f"kiosk_{slug}_{digest}"


def add_kiosk(conn: Any, kiosk_id: str) -> Credentials:
    """Register ``kiosk_id`` and create its login role; its password is returned once
    (the server keeps only a SCRAM verifier).  FleetError if the id is taken."""
    if not kiosk_id.strip():
        raise FleetError("kiosk fleet add-kiosk: the kiosk id must not be empty")
    role = role_name_for(kiosk_id)
    return _add_login(conn, role, KIOSK_GROUP, register=kiosk_id,
                      limit=KIOSK_CONNECTION_LIMIT)


def add_viewer(conn: Any, name: str) -> Credentials:
    """A head-office login role: reads every site, writes nothing."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise FleetError(f"kiosk fleet add-viewer: {name!r} is not a role name "
                         "(lower-case letters, digits, _)")
    return _add_login(conn, name, HEAD_OFFICE_GROUP, register=None)


def release(conn: Any, kiosk_id: str) -> None:
    """Forget the installation holding ``kiosk_id``: the next one to sync takes it."""
    conn.autocommit = True
    with conn.transaction():
        cur = conn.execute("UPDATE fleet.kiosks SET installation = NULL, installed_at = NULL "
                           "WHERE kiosk_id = %s", (kiosk_id,))
        if cur.rowcount == 0:
            raise FleetError(f"no kiosk {kiosk_id!r} is registered")
        conn.execute("DELETE FROM fleet.refused_installations WHERE kiosk_id = %s", (kiosk_id,))


def _add_login(conn: Any, role: str, group: str, register: str | None,
               limit: int = -1) -> Credentials:
    import psycopg
    from psycopg import sql

    password = secrets.token_urlsafe(24)
    conn.autocommit = True
    try:
        with conn.transaction():
            if register is not None:
                conn.execute("INSERT INTO fleet.kiosks (kiosk_id, role_name) VALUES (%s, %s)",
                             (register, role))
            conn.execute(sql.SQL(
                "CREATE ROLE {} LOGIN PASSWORD {} CONNECTION LIMIT {} IN ROLE {}").format(
                sql.Identifier(role), sql.Literal(scram_verifier(password)),
                sql.Literal(limit), sql.Identifier(group)))
    except psycopg.errors.UniqueViolation:
        raise FleetError(f"kiosk {register!r} is already registered; every counter needs "
                         "its own id ([kiosk] id in its config.toml)") from None
    except psycopg.errors.DuplicateObject:
        raise FleetError(f"a database role {role!r} already exists; nothing changed") from None
    except psycopg.errors.UndefinedTable:
        raise FleetError("the fleet schema is missing: run `kiosk fleet init URL` first") from None
    return Credentials(role, password)


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 5802/7677): the clear
    password never travels to the server nor reaches its statement log."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
