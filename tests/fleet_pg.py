"""A throwaway PostgreSQL for the fleet tests and benchmarks (not a test module).

Uses the server binaries of the ``pgserver`` wheel (PostgreSQL 16 from pip) or,
failing that, the system's (``/usr/lib/postgresql/*/bin``), runs ``initdb`` and
``pg_ctl`` itself under a temp dir so a test can stop and restart the server,
and listens on 127.0.0.1 with SCRAM passwords (the kiosks' logins are real).
PostgreSQL refuses to run as root: as root the cluster belongs to ``nobody``.
"""
from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class NoPostgres(Exception):
    """No PostgreSQL server could be started here (the reason, one line)."""


def server_binaries() -> Path:
    spec = importlib.util.find_spec("pgserver")
    candidates = []
    if spec and spec.submodule_search_locations:
        candidates.append(Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin")
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(Path(which).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise NoPostgres("no PostgreSQL binaries: pip install pgserver, or apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgCluster:
    def __init__(self, *, settings: dict[str, str] | None = None) -> None:
        self.bin = server_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-fleet-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(16)
        self.settings = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                         "unix_socket_directories": "", "fsync": "off",
                         "max_connections": "100", **(settings or {})}
        self._user: dict[str, int] = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self._user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            os.chmod(self.root, 0o755)
        self.data.mkdir()
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        self.log.touch()
        if self._user:
            for path in (self.data, pwfile, self.log):
                os.chown(path, self._user["user"], self._user["group"])
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=scram-sha-256",
                  f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale", "--no-sync")
        pwfile.unlink()
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            for key, value in self.settings.items():
                conf.write(f"{key} = '{value}'\n")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([str(self.bin / tool), *args], capture_output=True, text=True,
                                timeout=120, **self._user)  # type: ignore[call-overload]
        if result.returncode:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise NoPostgres(f"{tool} failed: {detail[-1] if detail else result.returncode}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, user: str = "postgres", database: str = "postgres") -> str:
        """A URL without the password (as kiosk config wants it)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin_env(self) -> dict[str, str]:
        """Environment for `kiosk fleet ...` as the superuser (libpq's PGPASSWORD)."""
        return {**os.environ, "PGPASSWORD": self.password}

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), password=self.password, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(database=name)

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except NoPostgres:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
