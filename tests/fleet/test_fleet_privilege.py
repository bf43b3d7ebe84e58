"""Issue 22 items 5-6 and the rules: each site in its own zone at head office; a
kiosk login can neither exhaust the server's connections nor learn other sites'
ids; the rules the kiosk checks are the ones the server enforces."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fleet_pg import (
    NoPostgres,
    PgCluster,
    kiosk_config,
    owner_conn,
    register,
    responses,
    unique_id,
)

from kiosk.config import load_config
from kiosk.fleet import rules
from kiosk.fleet.figures import fleet_figures, site_summary
from kiosk.fleet.schema import KIOSK_CONNECTION_LIMIT, add_kiosk, add_viewer, init_schema
from kiosk.fleet.sync import Syncer
from kiosk.store.localtime import Calendar

pytest_plugins = ("fleet_pg",)

MIGRATION = Path(rules.__file__).with_name("migrations") / "0003_sites.sql"


def login(cluster, url, credentials):
    database = url.rsplit("/", 1)[1]
    return psycopg.connect(cluster.url(user=credentials.role, database=database),
                           password=credentials.password, autocommit=True)


def test_a_tokyo_sites_today_is_its_own_whatever_head_offices_zone(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id("tokyo")
    config_path = kiosk_config(tmp_path, cluster, url, kiosk)
    text = config_path.read_text().replace('timezone = "Europe/Paris"',
                                           'timezone = "Asia/Tokyo"')
    config_path.write_text(text)
    config = load_config(config_path)
    tokyo = ZoneInfo("Asia/Tokyo")
    yesterday = [r.__class__(**{**r.__dict__, "score": 5, "flagged": False})
                 for r in responses(kiosk, 40, start=datetime(2026, 11, 9, 9, tzinfo=tokyo))]
    today = [r.__class__(**{**r.__dict__, "score": 1, "flagged": False})
             for r in responses(kiosk, 7, start=datetime(2026, 11, 10, 0, 5, tzinfo=tokyo),
                                seed=4)]
    from kiosk.store.response_store import ResponseStore

    store = ResponseStore(config.data_dir, tz="Asia/Tokyo")
    store.write_now(yesterday + today)
    store.close()
    syncer = Syncer(config)
    assert syncer.run_once().stored == 47
    syncer.close()
    # 01:30 in Tokyo is still 9 Nov in Paris, New York or Lord Howe's previous evening.
    now = datetime(2026, 11, 10, 1, 30, tzinfo=tokyo)
    for head_office in ("Europe/Paris", "America/New_York", "Australia/Lord_Howe"):
        their_today = now.astimezone(ZoneInfo(head_office)).date()
        with owner_conn(cluster, url) as conn:
            figures = fleet_figures(conn, their_today, now=now.astimezone(UTC))
            site = next(s for s in figures.sites if s.kiosk_id == kiosk)
            assert site.timezone == "Asia/Tokyo" and site.today == date(2026, 11, 10)
            day = site_summary(conn, kiosk, since=site.today, until=site.today)
        assert (day.responses, day.csat) == (7, 0.0)


def test_a_kiosk_login_learns_no_other_sites_id(fleet_db, tmp_path):
    cluster, url = fleet_db
    mine, other = unique_id("mine"), unique_id("other")
    credentials = register(cluster, url, mine)
    register(cluster, url, other)
    with login(cluster, url, credentials) as conn:
        assert conn.execute("SELECT fleet.my_kiosk()").fetchone()[0] == mine
        callable_functions = {row[0] for row in conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'fleet' AND p.prorettype <> 'trigger'::regtype "
            "AND has_function_privilege(p.oid, 'EXECUTE')")}
        assert callable_functions == {"my_kiosk", "claim", "report_quarantine", "report_day",
                                      "my_gaps"}
        with pytest.raises(psycopg.errors.UndefinedFunction):
            conn.execute("SELECT fleet.kiosk_of(%s)", ("postgres",))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM fleet.reconciliation()")
        for table in ("kiosks", "kiosk_days", "quarantine", "refused_installations"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM fleet.{table}")
        gaps = conn.execute("SELECT * FROM fleet.my_gaps(ARRAY['2026-11-01'::date])").fetchall()
        assert gaps == []
        seen = conn.execute("SELECT fleet.claim('x', 'UTC')").fetchone()[0]
        assert seen is None  # its own site; a refusal would name only its own id


def test_kiosk_logins_cannot_take_head_offices_connections(tmp_path):
    try:
        cluster = PgCluster(settings={"max_connections": "12", "reserved_connections": "3",
                                      "superuser_reserved_connections": "1"})
    except NoPostgres as exc:
        pytest.skip(str(exc))
    try:
        url = cluster.create_database("small")
        with psycopg.connect(url, password=cluster.password, autocommit=True) as owner:
            init_schema(owner)
            logins = [add_kiosk(owner, f"k{i}") for i in range(4)]
            viewer = add_viewer(owner, "head_office")
        held = []
        first = logins[0]
        for _ in range(KIOSK_CONNECTION_LIMIT):
            held.append(login(cluster, url, first))
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            login(cluster, url, first)
        # Other kiosks fill every slot that is not reserved (12 - 1 - 3 = 8) ...
        for credentials in logins[1:]:
            for _ in range(KIOSK_CONNECTION_LIMIT):
                try:
                    held.append(login(cluster, url, credentials))
                except psycopg.OperationalError as exc:
                    assert "reserved" in str(exc) or "too many" in str(exc)
        assert len(held) == 8
        # ... and head office still gets in, on its reserved places.
        with login(cluster, url, viewer) as conn:
            assert conn.execute("SELECT count(*) FROM fleet.kiosks").fetchone()[0] == 4
        for conn in held:
            conn.close()
    finally:
        cluster.destroy()


def test_the_migration_enforces_the_rules_the_kiosk_checks(fleet_db):
    sql = MIGRATION.read_text()
    start = sql.index("ADD CONSTRAINT responses_rules")
    constraint = sql[start:sql.index("NOT VALID", start)]
    limits = {m[0]: int(m[-1]) for m in re.findall(
        r"char_length\((\w+)\)(?: BETWEEN 1 AND| <=) (\d+)", constraint)}
    limits.pop("made_as")
    assert limits == rules.MAX_CHARS
    cluster, url = fleet_db
    kiosk = unique_id()
    register(cluster, url, kiosk)
    calendar = Calendar("UTC")
    base = responses(kiosk, 1)[0].to_doc()
    from kiosk.fleet.sync import UPSERT, _json, rows_of

    breaking = {name: "é" * (limit + 1) for name, limit in rules.MAX_CHARS.items()
                if name != "kiosk_id"}
    breaking["nul"] = None
    with owner_conn(cluster, url) as conn:
        for field, value in breaking.items():
            doc = dict(base, id=f"r-{field}")
            if field == "nul":
                doc["language"] = "e\x00n"
            else:
                doc["question" if field == "question" else field] = value
            [row] = rows_of([doc], calendar)
            assert rules.row_problem(row) is not None, field
            with pytest.raises(psycopg.Error):
                with conn.transaction():
                    conn.execute(UPSERT, (_json([row]),))
        stamp = datetime(2026, 11, 1, 9, tzinfo=timezone(timedelta(hours=15, minutes=59)))
        [row] = rows_of([dict(base, id="far", timestamp=stamp.isoformat())], calendar)
        assert "beyond ±14:00" in (rules.row_problem(row) or "")
        [ok] = rows_of([dict(base, id="fine")], calendar)
        assert rules.row_problem(ok) is None
        conn.execute(UPSERT, (_json([ok]),))
