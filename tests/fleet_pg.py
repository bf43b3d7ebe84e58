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


# -- fixtures and helpers shared by tests/test_fleet*.py --------------------------
import random  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402

import pytest  # noqa: E402

from kiosk.models import Response  # noqa: E402

LABELS = ("Very unhappy", "Unhappy", "Neutral", "Happy", "Very happy")
ZONE = timezone(timedelta(hours=1))
# The test kiosks' calendar: ZONE's offset all November, so days and hours do not
# depend on the runner's TZ (at Lord Howe 08:00-20:00 +01:00 spans two local days).
KIOSK_ZONE = "Europe/Paris"


@pytest.fixture(scope="session")
def pg():
    """One PostgreSQL for the session (tests that stop a server start their own)."""
    try:
        cluster = PgCluster()
    except NoPostgres as exc:
        pytest.skip(f"fleet tests need a PostgreSQL server and none could start: {exc}")
    yield cluster
    cluster.destroy()


@pytest.fixture
def fleet_db(pg):
    """A fresh database with the fleet schema; yields (cluster, owner URL)."""
    from kiosk.fleet.schema import init_schema

    url = pg.create_database(f"fleet_{uuid.uuid4().hex[:10]}")
    with owner_conn(pg, url) as conn:
        init_schema(conn)
    return pg, url


def owner_conn(cluster: PgCluster, url: str):
    import psycopg

    return psycopg.connect(url, password=cluster.password, autocommit=True)


def unique_id(prefix: str = "shop") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def register(cluster: PgCluster, url: str, kiosk_id: str):
    from kiosk.fleet.schema import add_kiosk

    with owner_conn(cluster, url) as conn:
        return add_kiosk(conn, kiosk_id)


def kiosk_config(tmp_path: Path, cluster: PgCluster, url: str, kiosk_id: str, *,
                 batch: int = 1000, credentials=None) -> Path:
    """A kiosk's config.toml with [sync] and its password in a 0600 file."""
    credentials = credentials or register(cluster, url, kiosk_id)
    folder = tmp_path / kiosk_id
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "fleet-password"
    secret.write_text(credentials.password + "\n")
    secret.chmod(0o600)
    database = url.rsplit("/", 1)[1]
    config = folder / "config.toml"
    config.write_text(
        f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "data"\ntimezone = "{KIOSK_ZONE}"\n\n'
        f'[sync]\nurl = "{cluster.url(user=credentials.role, database=database)}"\n'
        f'password_file = "fleet-password"\nbatch = {batch}\ninterval_seconds = 0.1\n',
        encoding="utf-8")
    return config


def responses(kiosk_id: str, count: int, *, start: datetime | None = None,
              per_day: int | None = None, seed: int = 1) -> list[Response]:
    """``count`` answers, ``per_day`` a day (default: all on one day), in time order."""
    rng = random.Random(seed)
    start = start or datetime(2026, 11, 1, 8, 0, tzinfo=ZONE)
    per_day = per_day or count
    made = []
    for i in range(count):
        day, slot = divmod(i, per_day)
        stamp = start + timedelta(days=day, seconds=slot * (12 * 3600 // per_day))
        score = rng.choices((1, 2, 3, 4, 5), (5, 7, 12, 36, 40))[0]
        made.append(Response(
            id=str(uuid.UUID(int=rng.getrandbits(128))), timestamp=stamp, kiosk=kiosk_id,
            question="visit-satisfaction", score=score, label=LABELS[score - 1],
            language=rng.choice(("en", "fr", "nl")), flagged=rng.random() < 0.02,
            reason=rng.choice(("waiting", "staff")) if score <= 2 and rng.random() < 0.5 else None,
            nps=rng.randint(0, 10) if rng.random() < 0.3 else None))
    return made


def write_responses(data_dir: Path, batch: list[Response]) -> None:
    from kiosk.store.response_store import ResponseStore

    store = ResponseStore(data_dir, tz=KIOSK_ZONE)
    store.write_now(batch)
    store.close()


def table_counts(conn, kiosk_id: str) -> dict[str, object]:
    """Rows and tallies of one kiosk, to compare before and after."""
    q = conn.execute
    return {
        "rows": q("SELECT count(*) FROM fleet.responses WHERE kiosk_id = %s",
                  (kiosk_id,)).fetchone()[0],
        "hours": q("SELECT local_day, local_hour, s1, s2, s3, s4, s5, f1, f2, f3, f4, f5 "
                   "FROM fleet.hour_tallies WHERE kiosk_id = %s ORDER BY 1, 2",
                   (kiosk_id,)).fetchall(),
        "days": q("SELECT local_day, s1, s2, s3, s4, s5, f1, f2, f3, f4, f5 "
                  "FROM fleet.day_tallies WHERE kiosk_id = %s ORDER BY 1", (kiosk_id,)).fetchall(),
        "totals": q("SELECT s1, s2, s3, s4, s5, f1, f2, f3, f4, f5 FROM fleet.kiosk_totals "
                    "WHERE kiosk_id = %s", (kiosk_id,)).fetchall(),
        "breakdowns": q("SELECT local_day, local_hour, dimension, value, s1, s2, s3, s4, s5, "
                        "flagged FROM fleet.hour_breakdowns WHERE kiosk_id = %s "
                        "AND (s1, s2, s3, s4, s5, flagged) <> (0, 0, 0, 0, 0, 0) "
                        "ORDER BY 1, 2, 3, 4", (kiosk_id,)).fetchall(),
    }


def recomputed_counts(conn, kiosk_id: str) -> dict[str, object]:
    """The tallies recomputed from the rows: what the triggers must have kept."""
    q = conn.execute
    scores = ", ".join(f"count(*) FILTER (WHERE score = {i} AND NOT flagged)" for i in range(1, 6))
    flagged = ", ".join(f"count(*) FILTER (WHERE score = {i} AND flagged)" for i in range(1, 6))
    bscores = ", ".join(f"count(*) FILTER (WHERE score = {i} AND NOT f)" for i in range(1, 6))
    return {
        "rows": q("SELECT count(*) FROM fleet.responses WHERE kiosk_id = %s",
                  (kiosk_id,)).fetchone()[0],
        "hours": q(f"SELECT local_day, local_hour, {scores}, {flagged} FROM fleet.responses "
                   "WHERE kiosk_id = %s GROUP BY 1, 2 ORDER BY 1, 2", (kiosk_id,)).fetchall(),
        "days": q(f"SELECT local_day, {scores}, {flagged} FROM fleet.responses "
                  "WHERE kiosk_id = %s GROUP BY 1 ORDER BY 1", (kiosk_id,)).fetchall(),
        "totals": q(f"SELECT {scores}, {flagged} FROM fleet.responses WHERE kiosk_id = %s "
                    "GROUP BY kiosk_id", (kiosk_id,)).fetchall(),
        "breakdowns": q(
            f"SELECT local_day, local_hour, d, v, {bscores}, count(*) FILTER (WHERE f) FROM ("
            " SELECT local_day, local_hour, 'language' d, language v, score, flagged f"
            "  FROM fleet.responses WHERE kiosk_id = %(k)s"
            " UNION ALL SELECT local_day, local_hour, 'reason', reason, score, false"
            "  FROM fleet.responses WHERE kiosk_id = %(k)s AND NOT flagged AND reason <> ''"
            " UNION ALL SELECT local_day, local_hour, 'nps', nps::text, score, false"
            "  FROM fleet.responses WHERE kiosk_id = %(k)s AND NOT flagged AND nps IS NOT NULL"
            ") parts GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", {"k": kiosk_id}).fetchall(),
    }
