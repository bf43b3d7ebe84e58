"""Issue 22 items 1-4 against a real PostgreSQL: one identity per site, rows stored
counted at the server, quarantine, reconciliation (`kiosk fleet check`), adoption
of an old kiosk id, one installation per login."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from fleet_pg import (
    ZONE,
    kiosk_config,
    owner_conn,
    register,
    responses,
    unique_id,
    write_responses,
)

from kiosk.config import load_config
from kiosk.fleet.check import site_checks
from kiosk.fleet.reconcile import QUARANTINE_FILE, digest
from kiosk.fleet.status import read_state, status_line
from kiosk.fleet.sync import Syncer, SyncMismatch, SyncRefused

pytest_plugins = ("fleet_pg",)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=ZONE)


def run_sync(config_path):
    syncer = Syncer(load_config(config_path), now=lambda: NOW)
    try:
        return syncer.run_once()
    finally:
        syncer.close()


def kiosk_cli(*args, env=None, cwd=None):
    environment = {**os.environ, "PYTHONPATH": os.getcwd(), **(env or {})}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, timeout=120, env=environment, cwd=cwd)


def fleet_check(cluster, url):
    return kiosk_cli("fleet", "check", "--url", url, env=cluster.admin_env())


def held(cluster, url, kiosk_id):
    with owner_conn(cluster, url) as conn:
        return conn.execute("SELECT count(*) FROM fleet.responses WHERE kiosk_id = %s",
                            (kiosk_id,)).fetchone()[0]


def numbered(kiosk_id, count, start=None):
    """Legacy-CSV-like answers with ids 1, 2, 3 ... (what two shops both have)."""
    made = responses(kiosk_id, count, start=start)
    return [replace(r, id=str(i + 1)) for i, r in enumerate(made)]


def test_two_kiosks_with_clashing_ids_are_both_stored(fleet_db, tmp_path):
    cluster, url = fleet_db
    sites = [unique_id("demo"), unique_id("demo"), unique_id("csv"), unique_id("csv")]
    for i, kiosk in enumerate(sites):
        config = load_config(kiosk_config(tmp_path, cluster, url, kiosk))
        # The same seed: the same ids (kiosk demo's default); or ids 1, 2, 3 ...
        batch = responses(kiosk, 300, seed=1) if i < 2 else numbered(kiosk, 300)
        write_responses(config.data_dir, batch)
    for kiosk in sites:
        result = run_sync(tmp_path / kiosk / "config.toml")
        assert (result.pushed, result.stored) == (300, 300)
        assert held(cluster, url, kiosk) == 300
    checked = fleet_check(cluster, url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("all answers up to 1 Nov 2026") == 4


def test_sync_reports_rows_stored_and_a_difference_is_an_error(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk)
    write_responses(load_config(config_path).data_dir, responses(kiosk, 50))
    with owner_conn(cluster, url) as conn:  # a server that silently drops a row
        conn.execute("CREATE FUNCTION public.drop_one() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN IF NEW.score = 1 THEN RETURN NULL; END IF; RETURN NEW; END $$")
        conn.execute("CREATE TRIGGER drop_one BEFORE INSERT ON fleet.responses "
                     "FOR EACH ROW EXECUTE FUNCTION public.drop_one()")
    with pytest.raises(SyncMismatch, match="sent 50 answers .* it holds 4[0-9] of them"):
        run_sync(config_path)
    result = kiosk_cli("sync", "--once", "--config", str(config_path))
    assert result.returncode == 1 and "did not store every answer" in result.stderr
    assert "unreachable" not in result.stderr and "Traceback" not in result.stderr
    assert held(cluster, url, kiosk) == 0  # the batch rolled back; the cursor stays
    with owner_conn(cluster, url) as conn:
        conn.execute("DROP TRIGGER drop_one ON fleet.responses")
    assert run_sync(config_path).stored == 50


def test_fleet_check_catches_answers_lost_or_mixed_at_head_office(fleet_db, tmp_path):
    cluster, url = fleet_db
    a, b = unique_id("a"), unique_id("b")
    for kiosk in (a, b):
        config = load_config(kiosk_config(tmp_path, cluster, url, kiosk))
        write_responses(config.data_dir, numbered(kiosk, 40))
        run_sync(tmp_path / kiosk / "config.toml")
    assert fleet_check(cluster, url).returncode == 0
    with owner_conn(cluster, url) as conn:  # item 1's loss: B's answer "7" filed under A
        conn.execute("UPDATE fleet.responses SET kiosk_id = %s, id = '7b' "
                     "WHERE kiosk_id = %s AND id = '7'", (a, b))
    checked = fleet_check(cluster, url)
    assert checked.returncode == 1
    lines = {line.split()[0]: line for line in checked.stdout.splitlines()[1:-1]}
    assert "gap" in lines[b] and "1 answers of 1 Nov 2026 missing" in lines[b]
    assert "gap" in lines[a] and "differ from the counter" in lines[a]


def test_a_refused_row_is_quarantined_and_later_taps_still_sync(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk)
    config = load_config(config_path)
    good = responses(kiosk, 30)
    far = timezone(timedelta(hours=20))
    bad = [replace(good[0], id="offset", timestamp=datetime(2026, 11, 1, 9, 0, tzinfo=far)),
           replace(good[1], id="language", language="x" * 1000),
           replace(good[2], id="nul", question="visit\x00satisfaction")]
    later = responses(kiosk, 20, start=datetime(2026, 11, 2, 8, 0, tzinfo=ZONE), seed=5)
    write_responses(config.data_dir, good[3:] + bad + later)
    result = kiosk_cli("sync", "--once", "--config", str(config_path))
    assert result.returncode == 1, result.stderr
    assert "3 rows rejected" in result.stderr and "unreachable" not in result.stderr
    for why in ("offset +20:00", "language has 1,000 characters", "NUL"):
        assert why in result.stderr
    assert held(cluster, url, kiosk) == 27 + 20  # everything else went on
    assert "3 rows rejected" in status_line(config.data_dir, NOW)
    assert (config.data_dir / QUARANTINE_FILE).exists()
    with owner_conn(cluster, url) as conn:
        shown = dict(conn.execute("SELECT id, reason FROM fleet.quarantine "
                                  "WHERE kiosk_id = %s", (kiosk,)).fetchall())
    assert set(shown) == {"offset", "language", "nul"}
    checked = fleet_check(cluster, url)
    assert checked.returncode == 1 and "3 rows quarantined" in checked.stdout
    # +20:00 files the first on 31 Oct in the kiosk's zone (Paris)
    assert "1 answers of 31 Oct 2026 missing; 2 answers of 1 Nov 2026 missing" \
        in checked.stdout
    more = responses(kiosk, 5, start=datetime(2026, 11, 3, 8, 0, tzinfo=ZONE), seed=9)
    write_responses(config.data_dir, more)
    assert run_sync(config_path).stored == 5  # the quarantine never blocks


def test_a_row_the_server_alone_refuses_is_found_and_quarantined(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk, batch=1000)
    config = load_config(config_path)
    made = responses(kiosk, 64)
    made[37] = replace(made[37], language="xx")
    write_responses(config.data_dir, made)
    with owner_conn(cluster, url) as conn:  # a rule the kiosk does not know
        conn.execute("ALTER TABLE fleet.responses ADD CONSTRAINT no_xx CHECK (language <> 'xx')")
    result = run_sync(config_path)
    assert (result.stored, result.rejected) == (63, 1)
    assert "no_xx" in result.reasons[0]
    assert held(cluster, url, kiosk) == 63


def test_refused_permissions_is_told_apart_from_unreachable(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    credentials = register(cluster, url, kiosk)
    config_path = kiosk_config(tmp_path, cluster, url, kiosk, credentials=credentials)
    write_responses(load_config(config_path).data_dir, responses(kiosk, 5))
    with owner_conn(cluster, url) as conn:
        conn.execute('REVOKE INSERT ON fleet.responses FROM fleet_kiosk')
    result = kiosk_cli("sync", "--once", "--config", str(config_path))
    assert result.returncode == 1
    assert "refused this kiosk (permissions:" in result.stderr
    assert "unreachable" not in result.stderr
    state = read_state(load_config(config_path).data_dir)
    assert state is not None and "permissions" in (state.error or "")
    with owner_conn(cluster, url) as conn:
        conn.execute("GRANT INSERT ON fleet.responses TO fleet_kiosk")


def test_answers_under_the_shipped_id_are_reported_and_adoptable(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk)
    config = load_config(config_path)
    # Installed, tapped under the shipped id, then [kiosk] id and [sync] were set.
    write_responses(config.data_dir, responses("counter-1", 60))
    write_responses(config.data_dir, responses(kiosk, 10, seed=3,
                                               start=datetime(2026, 11, 2, 8, tzinfo=ZONE)))
    result = run_sync(config_path)
    assert result.stored == 10 and result.foreign is not None
    assert "60 answers recorded under another kiosk id (counter-1)" in result.foreign
    assert "kiosk fleet adopt counter-1" in status_line(config.data_dir, NOW)
    checked = fleet_check(cluster, url)
    assert checked.returncode == 1 and "60 answers under another id (counter-1 (60))" \
        in checked.stdout

    wrong = kiosk_cli("fleet", "adopt", "counter-9", "--config", str(config_path))
    assert wrong.returncode == 2 and "counter-1 (60)" in wrong.stderr
    adopted = kiosk_cli("fleet", "adopt", "counter-1", "--config", str(config_path))
    assert adopted.returncode == 0 and "60 answers" in adopted.stderr, adopted.stderr
    result = run_sync(config_path)
    assert result.stored == 70 and result.foreign is None
    with owner_conn(cluster, url) as conn:
        made_as = conn.execute("SELECT made_as, count(*) FROM fleet.responses WHERE "
                               "kiosk_id = %s GROUP BY 1 ORDER BY 1", (kiosk,)).fetchall()
    assert made_as == [("counter-1", 60), (None, 10)]
    assert fleet_check(cluster, url).returncode == 0
    assert "head office holds every answer" in status_line(config.data_dir, NOW)


def test_a_second_installation_with_the_same_login_is_refused(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    credentials = register(cluster, url, kiosk)
    first = kiosk_config(tmp_path / "one", cluster, url, kiosk, credentials=credentials)
    second = kiosk_config(tmp_path / "two", cluster, url, kiosk, credentials=credentials)
    write_responses(load_config(first).data_dir, responses(kiosk, 10))
    write_responses(load_config(second).data_dir, responses(kiosk, 10, seed=2))
    assert run_sync(first).stored == 10
    with pytest.raises(SyncRefused, match="already installed on another machine"):
        run_sync(second)
    result = kiosk_cli("sync", "--once", "--config", str(second))
    assert result.returncode == 1 and "refused this kiosk" in result.stderr
    assert held(cluster, url, kiosk) == 10  # nothing of the copy merged in
    assert run_sync(first).pushed == 0  # the first goes on
    checked = fleet_check(cluster, url)
    assert checked.returncode == 1 and "1 other installation(s) refused" in checked.stdout
    released = kiosk_cli("fleet", "release", kiosk, "--url", url, env=cluster.admin_env())
    assert released.returncode == 0, released.stderr
    with owner_conn(cluster, url) as conn:  # e.g. the first machine was replaced
        assert conn.execute("SELECT installation FROM fleet.kiosks WHERE kiosk_id = %s",
                            (kiosk,)).fetchone()[0] is None


def test_digest_matches_the_servers(fleet_db):
    cluster, url = fleet_db
    ids = ["b", "a", "é", "Z", "10", "9", "日本", "\U0001f600"]
    with owner_conn(cluster, url) as conn:
        server = conn.execute(
            "SELECT encode(sha256(convert_to(string_agg(x, E'\\n' ORDER BY x COLLATE \"C\"), "
            "'UTF8')), 'hex') FROM unnest(%s::text[]) AS x", (ids,)).fetchone()[0]
    assert server == digest(ids)


def test_site_checks_name_a_site_that_never_reported(fleet_db):
    cluster, url = fleet_db
    kiosk = unique_id()
    register(cluster, url, kiosk)
    with owner_conn(cluster, url) as conn:
        site = next(s for s in site_checks(conn) if s.kiosk_id == kiosk)
    assert not site.gap and site.line() == "no report from the counter yet"


def test_an_old_database_upgrades_with_its_rows(pg):
    """0001-0002 with rows, then 0003: rows kept, the new key in place."""
    from kiosk.fleet import schema

    url = pg.create_database(f"up_{unique_id('d').replace('-', '_')}")
    shipped = schema.migrations()
    with owner_conn(pg, url) as conn:
        original = schema.migrations
        schema.migrations = lambda: [m for m in shipped if m.version <= 2]  # type: ignore
        try:
            schema.init_schema(conn)
        finally:
            schema.migrations = original  # type: ignore
        conn.execute("INSERT INTO fleet.kiosks VALUES ('old', 'old_role')")
        conn.execute("INSERT INTO fleet.responses (id, kiosk_id, ts, local_day, local_hour, "
                      "question, score, label, language) VALUES ('1', 'old', now(), "
                      "'2026-11-01', 9, 'q', 4, 'Happy', %s)", ("x" * 300,))
        assert schema.init_schema(conn) == ["0003_sites.sql"]
        assert conn.execute("SELECT count(*) FROM fleet.responses").fetchone()[0] == 1
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO fleet.responses (id, kiosk_id, ts, local_day, "
                         "local_hour, question, score, label, language) VALUES ('2', 'old', "
                         "now(), '2026-11-01', 9, 'q', 4, 'Happy', %s)", ("x" * 300,))
