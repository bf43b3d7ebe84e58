"""Who may do what, enforced by the database; [sync] configuration mistakes."""
from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from fleet_pg import kiosk_config, owner_conn, register, responses, unique_id, write_responses

from kiosk.config import ConfigError, load_config
from kiosk.fleet.connection import FleetError, read_password
from kiosk.fleet.schema import add_kiosk, add_viewer
from kiosk.fleet.sync import UPSERT, Syncer, payload
from kiosk.store.localtime import Calendar

pytest_plugins = ("fleet_pg",)  # the pg and fleet_db fixtures

CAL = Calendar("UTC")


def login(cluster, url, credentials):
    database = url.rsplit("/", 1)[1]
    return psycopg.connect(cluster.url(user=credentials.role, database=database),
                           password=credentials.password, autocommit=True)


@pytest.fixture
def two_kiosks(fleet_db, tmp_path):
    """Kiosks A and B, each with its own responses synced through its own login."""
    cluster, url = fleet_db
    made = {}
    for name in ("a", "b"):
        kiosk = unique_id(name)
        credentials = register(cluster, url, kiosk)
        config_path = kiosk_config(tmp_path, cluster, url, kiosk, credentials=credentials)
        config = load_config(config_path)
        batch = responses(kiosk, 20, seed=ord(name))
        write_responses(config.data_dir, batch)
        syncer = Syncer(config)
        syncer.run_once()
        syncer.close()
        made[name] = (kiosk, credentials, batch)
    return cluster, url, made


def test_a_kiosk_reads_only_its_own_rows(two_kiosks):
    cluster, url, made = two_kiosks
    (a, a_login, _), (b, _, _) = made["a"], made["b"]
    with login(cluster, url, a_login) as conn:
        seen = {row[0] for row in conn.execute("SELECT DISTINCT kiosk_id FROM fleet.responses")}
        assert seen == {a}
        assert conn.execute("SELECT count(*) FROM fleet.responses WHERE kiosk_id = %s",
                            (b,)).fetchone()[0] == 0
        for table in ("hour_tallies", "day_tallies", "hour_breakdowns", "kiosks"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM fleet.{table}")


def test_a_kiosk_cannot_write_or_falsify_another_kiosks_rows(two_kiosks):
    cluster, url, made = two_kiosks
    (a, a_login, _), (b, _, b_rows) = made["a"], made["b"]
    forged = responses(b, 1, seed=99)[0].to_doc()
    with login(cluster, url, a_login) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(UPSERT, payload([forged], CAL))  # a new row in B's name
        victim = b_rows[0].to_doc()
        victim["reason"] = "forged"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(UPSERT, payload([victim], CAL))  # "annotate" B's existing row
        cur = conn.execute("UPDATE fleet.responses SET reason = 'forged' WHERE kiosk_id = %s",
                           (b,))
        assert cur.rowcount == 0  # B's rows are invisible to A
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE fleet.responses SET score = 5 WHERE kiosk_id = %s", (a,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM fleet.responses")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE fleet.day_tallies SET s5 = s5 + 1000")
    with owner_conn(cluster, url) as conn:
        assert conn.execute("SELECT count(*) FROM fleet.responses WHERE reason = 'forged'"
                            ).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM fleet.responses WHERE kiosk_id = %s",
                            (b,)).fetchone()[0] == 20


def test_head_office_reads_everything_and_writes_nothing(two_kiosks):
    cluster, url, made = two_kiosks
    with owner_conn(cluster, url) as conn:
        viewer = add_viewer(conn, f"office_{unique_id('v').replace('-', '_')}")
    with login(cluster, url, viewer) as conn:
        assert conn.execute("SELECT count(*) FROM fleet.responses").fetchone()[0] == 40
        assert conn.execute("SELECT sum(s1+s2+s3+s4+s5+f1+f2+f3+f4+f5) FROM fleet.day_tallies"
                            ).fetchone()[0] == 40
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(UPSERT, payload([responses(made["a"][0], 1, seed=5)[0].to_doc()], CAL))


def test_two_kiosks_with_the_same_id_are_refused(fleet_db):
    cluster, url = fleet_db
    kiosk = unique_id()
    register(cluster, url, kiosk)
    with owner_conn(cluster, url) as conn:
        with pytest.raises(FleetError, match="already registered"):
            add_kiosk(conn, kiosk)
        assert conn.execute("SELECT count(*) FROM fleet.kiosks WHERE kiosk_id = %s",
                            (kiosk,)).fetchone()[0] == 1


def test_fleet_commands_init_twice_add_kiosk_prints_login_once_refuses_duplicate(pg):
    url = pg.create_database(f"cli_{unique_id('d').replace('-', '_')}")
    env = pg.admin_env()

    def kiosk(*args):
        return subprocess.run([sys.executable, "-m", "kiosk", "fleet", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    first, second = kiosk("init", url), kiosk("init", "--url", url)  # both forms (issue 20)
    assert first.returncode == second.returncode == 0, first.stderr
    assert "0001_fleet.sql" in first.stderr and "applied" not in second.stderr
    kiosk_id = unique_id()
    added = kiosk("add-kiosk", kiosk_id, "--url", url)
    assert added.returncode == 0, added.stderr
    password = added.stdout.split("password = ")[1].split()[0]
    role = added.stdout.split("user     = ")[1].split()[0]
    with psycopg.connect(pg.url(user=role, database=url.rsplit("/", 1)[1]),
                         password=password) as conn:
        assert conn.execute("SELECT fleet.my_kiosk()").fetchone()[0] == kiosk_id
    again = kiosk("add-kiosk", kiosk_id, "--url", url)
    assert again.returncode == 2 and again.stdout == ""
    assert len(again.stderr.strip().splitlines()) == 1 and "already registered" in again.stderr


def test_a_password_in_the_url_is_refused_in_one_line_without_echoing_it(tmp_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text('[sync]\nurl = "postgresql://k:s3cr3t-Pw@db.example/fleet"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config_path)
    message = str(caught.value)
    assert "[sync] url" in message and "password_file" in message
    assert "s3cr3t" not in message and "\n" not in message
    result = subprocess.run([sys.executable, "-m", "kiosk", "fleet", "init",
                             "host=db user=k password=s3cr3t-Pw"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "s3cr3t" not in result.stderr + result.stdout


def test_password_file_readable_by_others_is_refused(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("hunter2\n")
    secret.chmod(0o644)
    config_path = tmp_path / "config.toml"
    config_path.write_text('[sync]\nurl = "postgresql://k@db/fleet"\npassword_file = "pw"\n')
    config = load_config(config_path)
    with pytest.raises(FleetError, match="chmod 600") as caught:
        read_password(config.sync)
    assert "hunter2" not in str(caught.value)
    secret.chmod(0o600)
    assert read_password(config.sync) == "hunter2"


def test_without_sync_the_kiosk_imports_no_database_driver(tmp_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text('[kiosk]\nid = "k"\n')
    code = ("import sys; from kiosk.config import load_config; import kiosk.commands.counter, kiosk.ui.app; "
            f"c = load_config({str(config_path)!r}); "
            "assert c.sync is None and kiosk.commands.counter._start_sync(c, None) is None; "
            "print('psycopg' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "False", result.stderr
