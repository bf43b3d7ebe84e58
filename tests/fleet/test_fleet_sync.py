"""The kiosk -> fleet database sync, against a real PostgreSQL (tests/fleet_pg.py)."""
from __future__ import annotations

import signal
import subprocess
import sys
from datetime import datetime

import pytest
from fleet_pg import (
    ZONE,
    NoPostgres,
    PgCluster,
    kiosk_config,
    owner_conn,
    recomputed_counts,
    responses,
    table_counts,
    unique_id,
    write_responses,
)

from kiosk.config import load_config
from kiosk.fleet.journal import CURSOR_FILE
from kiosk.fleet.status import read_state, status_line
from kiosk.fleet.sync import Syncer, SyncThread, SyncUnavailable
from kiosk.store.response_store import ResponseStore
from tests.tests_wait import wait_for

pytest_plugins = ("fleet_pg",)  # the pg and fleet_db fixtures

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=ZONE)


def sync_pass(config_path):
    syncer = Syncer(load_config(config_path), now=lambda: NOW)
    try:
        return syncer.run_once()
    finally:
        syncer.close()


def test_push_then_duplicate_pushes_change_nothing(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk, batch=100)
    config = load_config(config_path)
    made = responses(kiosk, 700, per_day=250)
    write_responses(config.data_dir, made)

    assert sync_pass(config_path).pushed == 700
    with owner_conn(cluster, url) as conn:
        first = table_counts(conn, kiosk)
        assert first["rows"] == 700
        assert first == recomputed_counts(conn, kiosk)
    assert status_line(config.data_dir, NOW) == (
        "synced 0 s ago · head office holds every answer up to 2026-11-03")

    assert sync_pass(config_path).pushed == 0  # the cursor: nothing new
    (config.data_dir / CURSOR_FILE).unlink()  # as if the cursor write was lost: push all again
    assert sync_pass(config_path).pushed == 700
    assert sync_pass(config_path).pushed == 0
    with owner_conn(cluster, url) as conn:
        assert table_counts(conn, kiosk) == first


def test_annotation_after_the_tap_updates_the_row_and_moves_the_tallies(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk)
    config = load_config(config_path)
    tap = responses(kiosk, 1)[0]
    from dataclasses import replace
    tap = replace(tap, score=2, label="Unhappy", flagged=False, reason=None, nps=None,
                  language="fr")
    store = ResponseStore(config.data_dir, tz=config.kiosk.timezone).open_writer()
    try:
        store.record(tap)
        assert store.wait_idle()
        assert sync_pass(config_path).pushed == 1
        store.annotate(tap, {"reason": "waiting"})
        store.annotate(tap, {"nps": 3})
        assert store.wait_idle()
    finally:
        store.close()
    assert sync_pass(config_path).pushed == 2  # two later puts of the same record
    with owner_conn(cluster, url) as conn:
        row = conn.execute("SELECT score, reason, nps FROM fleet.responses WHERE id = %s",
                           (tap.id,)).fetchone()
        assert row == (2, "waiting", 3)
        counts = table_counts(conn, kiosk)
        assert counts == recomputed_counts(conn, kiosk)
        assert [h[2:7] for h in counts["hours"]] == [(0, 1, 0, 0, 0)]  # counted once
        dims = {(b[2], b[3]): b[4:] for b in counts["breakdowns"]}
        assert dims == {("language", "fr"): (0, 1, 0, 0, 0, 0),
                        ("reason", "waiting"): (0, 1, 0, 0, 0, 0),
                        ("nps", "3"): (0, 1, 0, 0, 0, 0)}
    (config.data_dir / CURSOR_FILE).unlink()  # the bare tap and both annotations again
    sync_pass(config_path)
    with owner_conn(cluster, url) as conn:
        assert table_counts(conn, kiosk) == counts
        assert conn.execute("SELECT reason, nps FROM fleet.responses WHERE id = %s",
                            (tap.id,)).fetchone() == ("waiting", 3)


def test_responses_of_other_kiosk_ids_are_not_pushed(fleet_db, tmp_path):
    """Imported CSVs of other counters sit in the data dir: they sync from their own kiosk."""
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk)
    config = load_config(config_path)
    write_responses(config.data_dir, responses(kiosk, 10) + responses("elsewhere", 5, seed=2))
    assert sync_pass(config_path).pushed == 10
    assert read_state(config.data_dir).skipped == 5


def test_thirty_days_offline_catch_up(fleet_db, tmp_path):
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk)
    config = load_config(config_path)
    write_responses(config.data_dir, responses(kiosk, 30_000, per_day=1000))
    assert sync_pass(config_path).pushed == 30_000
    with owner_conn(cluster, url) as conn:
        counts = table_counts(conn, kiosk)
        assert counts["rows"] == 30_000 and len(counts["days"]) == 30
        assert counts == recomputed_counts(conn, kiosk)
    assert sync_pass(config_path).pushed == 0


def test_sigkill_in_the_middle_of_a_batch_then_resume_pushes_each_response_once(
        fleet_db, tmp_path):
    """A real `kiosk sync --once` process is killed while its third day's batch is
    inside the database (blocked on a tally row this test holds); a new run resumes."""
    cluster, url = fleet_db
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk, batch=200)
    config = load_config(config_path)
    made = responses(kiosk, 1500, per_day=300)  # five days, several batches each
    write_responses(config.data_dir, made)
    third_day = made[600].timestamp.date()  # stamped in ZONE, the kiosk's offset

    blocker = owner_conn(cluster, url)
    blocker.autocommit = False
    blocker.execute("INSERT INTO fleet.day_tallies (kiosk_id, local_day) VALUES (%s, %s) "
                    "ON CONFLICT DO NOTHING", (kiosk, third_day))
    child = subprocess.Popen([sys.executable, "-m", "kiosk", "sync", "--once",
                              "--config", str(config_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with owner_conn(cluster, url) as watcher:
            def child_waits_on_our_lock() -> bool:
                return watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND usename <> 'postgres' AND datname = current_database()"
                ).fetchone()[0] == 1 and child.poll() is None
            wait_for(child_waits_on_our_lock, timeout=60, what="the sync to block mid-batch")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    with owner_conn(cluster, url) as conn:
        pushed = conn.execute("SELECT count(*) FROM fleet.responses WHERE kiosk_id = %s",
                              (kiosk,)).fetchone()[0]
    assert pushed == 600  # two days committed, the third day's batch rolled back

    result = subprocess.run([sys.executable, "-m", "kiosk", "sync", "--once",
                             "--config", str(config_path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    with owner_conn(cluster, url) as conn:
        counts = table_counts(conn, kiosk)
        assert counts["rows"] == 1500
        assert counts == recomputed_counts(conn, kiosk)
        ids = {row[0] for row in conn.execute(
            "SELECT id FROM fleet.responses WHERE kiosk_id = %s", (kiosk,))}
    assert ids == {r.id for r in made}


@pytest.fixture
def own_server():
    try:
        cluster = PgCluster()
    except NoPostgres as exc:
        pytest.skip(f"fleet tests need a PostgreSQL server and none could start: {exc}")
    yield cluster
    cluster.destroy()


def test_server_goes_away_and_comes_back(own_server, tmp_path):
    from kiosk.fleet.schema import init_schema

    cluster = own_server
    url = cluster.create_database("fleet")
    with owner_conn(cluster, url) as conn:
        init_schema(conn)
    kiosk = unique_id()
    config_path = kiosk_config(tmp_path, cluster, url, kiosk, batch=50)
    config = load_config(config_path)
    store = ResponseStore(config.data_dir, tz=config.kiosk.timezone).open_writer()
    thread = SyncThread(Syncer(config, now=lambda: NOW), interval=0.05, min_backoff=0.05,
                        max_backoff=0.2)
    store.add_listener(lambda _r: thread.wake())
    first, second = responses(kiosk, 120, seed=1), responses(kiosk, 80, seed=2,
                                                             start=datetime(2026, 11, 2, 9, 0,
                                                                            tzinfo=ZONE))
    try:
        thread.start()
        for response in first:
            store.record(response)
        assert store.wait_idle()
        with owner_conn(cluster, url) as conn:
            wait_for(lambda: conn.execute("SELECT count(*) FROM fleet.responses").fetchone()[0]
                     == 120, what="the first answers to sync")
        cluster.stop()
        for response in second:
            store.record(response)
        assert store.wait_idle()
        wait_for(lambda: _waiting(config) == 80, what=lambda: f"80 answers waiting while offline: {read_state(config.data_dir)}")
        line = status_line(config.data_dir, NOW)
        assert line.startswith("80 answers waiting to sync since 2026-11-02 ")
        cluster.start()
        wait_for(lambda: (read_state(config.data_dir) or _none).waiting == 0
                 and read_state(config.data_dir).synced_at is not None,
                 timeout=30, what="the backlog to sync after the server came back")
    finally:
        thread.stop()
        store.close()
    with owner_conn(cluster, url) as conn:
        counts = table_counts(conn, kiosk)
        assert counts["rows"] == 200
        assert counts == recomputed_counts(conn, kiosk)


class _None:
    synced_at = None
    waiting = -1


_none = _None()


def _waiting(config) -> int:
    state = read_state(config.data_dir)
    return state.waiting if state else -1


def test_unreachable_server_is_one_line_and_keeps_the_cursor(tmp_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text('[kiosk]\nid = "k"\n[sync]\nurl = "postgresql://k@127.0.0.1:1/x"\n')
    config = load_config(config_path)
    write_responses(config.data_dir, responses("k", 5))
    with pytest.raises(SyncUnavailable):
        Syncer(config, now=lambda: NOW).run_once()
    assert read_state(config.data_dir).waiting == 5
    result = subprocess.run([sys.executable, "-m", "kiosk", "sync", "--once", "--config",
                             str(config_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unreachable" in result.stderr and "Traceback" not in result.stderr
    assert not (config.data_dir / CURSOR_FILE).exists()


def test_kiosk_run_starts_the_sync_thread_and_a_tap_reaches_the_database(fleet_db, tmp_path):
    from kiosk.commands.counter import _start_sync

    cluster, url = fleet_db
    kiosk = unique_id()
    config = load_config(kiosk_config(tmp_path, cluster, url, kiosk))
    store = ResponseStore(config.data_dir, tz=config.kiosk.timezone).open_writer()
    thread = _start_sync(config, store)
    tap = responses(kiosk, 1)[0]
    try:
        store.record(tap)
        with owner_conn(cluster, url) as conn:
            wait_for(lambda: conn.execute("SELECT count(*) FROM fleet.responses WHERE id = %s",
                                          (tap.id,)).fetchone()[0] == 1,
                     what="the tap in the fleet database")
    finally:
        thread.stop()
        store.close()
