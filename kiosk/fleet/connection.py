"""Connection strings and passwords for the fleet database.

The URL never holds the password (config.toml and command lines are read by
more people than the password should be): it comes from a file only its owner
can read, an environment variable, or libpq's own PGPASSWORD / ~/.pgpass.
TLS is libpq's: put ``sslmode=verify-full`` (and ``sslrootcert=...``) in the URL.
Nothing here prints or logs the password.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import SyncConfig, database_url_problem

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_SECONDS = 5


class FleetError(Exception):
    """A fleet mistake or failure, as one line for the person who can fix it."""


def check_url(url: str, where: str) -> str:
    """``url`` if it holds no password, else FleetError (without echoing it)."""
    problem = database_url_problem(url)
    if problem:
        raise FleetError(f"{where}: the database URL {problem}")
    return url


def read_password(sync: SyncConfig) -> str | None:
    """The password named by [sync]: from password_file (mode 0600) or password_env;
    None: libpq finds it itself (PGPASSWORD, ~/.pgpass) or none is needed."""
    if sync.password_file is not None:
        return _password_from_file(sync.password_file)
    if sync.password_env is not None:
        value = os.environ.get(sync.password_env)
        if not value:
            raise FleetError(f"[sync] password_env: the environment variable "
                             f"{sync.password_env} is not set")
        return value
    return None


def _password_from_file(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise FleetError(f"[sync] password_file: cannot read {path} ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise FleetError(f"[sync] password_file: {path} can be read by others "
                             f"(mode {stat.S_IMODE(mode):04o}); run chmod 600 {path}")
        text = os.read(fd, 4096).decode("utf-8", errors="replace")
    finally:
        os.close(fd)
    password = text.splitlines()[0].strip() if text.strip() else ""
    if not password:
        raise FleetError(f"[sync] password_file: {path} is empty")
    return password


def connect(url: str, password: str | None = None, **options: Any) -> psycopg.Connection[Any]:
    """A psycopg connection; OperationalError when the server cannot be reached."""
    import psycopg

    extra: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                             "application_name": "csat-kiosk", **options}
    if password is not None:
        extra["password"] = password
    return psycopg.connect(url, **extra)


def first_line(exc: BaseException) -> str:
    """A database error as one line (libpq's messages run over several)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
