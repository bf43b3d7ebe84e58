"""The sync's one-line status, in the admin view (no database needed)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from kiosk.config import SyncConfig
from kiosk.fleet.status import SyncState, status_line, sync_line, write_state
from tests.conftest import wait_until

ZONE = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=ZONE)


def test_status_lines(tmp_path):
    assert status_line(tmp_path, NOW) == "fleet sync: not run yet"
    write_state(tmp_path, SyncState(synced_at=(NOW - timedelta(seconds=12)).isoformat()))
    assert status_line(tmp_path, NOW) == "synced 12 s ago"
    write_state(tmp_path, SyncState(synced_at=(NOW - timedelta(minutes=40)).isoformat()))
    assert status_line(tmp_path, NOW) == "synced 40 min ago"
    write_state(tmp_path, SyncState(waiting=340, waiting_since=NOW.replace(
        hour=9, minute=14).isoformat(), error="connection refused"))
    assert status_line(tmp_path, NOW) == (
        "340 answers waiting to sync since 09:14 (connection refused)")
    write_state(tmp_path, SyncState(waiting=3, waiting_since=(NOW - timedelta(days=30)).isoformat()))
    assert status_line(tmp_path, NOW) == "3 answers waiting to sync since 2026-10-23 15:30"
    (tmp_path / "sync-state.json").write_text("{not json")
    assert status_line(tmp_path, NOW) == "fleet sync: not run yet"


def test_no_sync_table_no_line(config, tmp_path):
    assert sync_line(config, NOW) == ""


async def test_admin_view_shows_the_sync_line(config, store):
    from kiosk.pin import PinVault
    from kiosk.ui.app import AdminApp

    config = replace(config, sync=SyncConfig(url="postgresql://k@db/fleet"))
    PinVault(config.data_dir).set_pin("2468")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    write_state(config.data_dir, SyncState(
        waiting=340, waiting_since=datetime.now().astimezone().replace(
            hour=9, minute=14).isoformat(), error="server [down]"))
    app = AdminApp(config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"2468", "enter")

        def shown() -> str:
            try:
                return str(app.screen.query_one("#sync-status").render())
            except Exception:  # noqa: BLE001 - not mounted yet
                return ""
        await wait_until(lambda: "340 answers waiting to sync since" in shown(),
                         what=lambda: f"the sync line, got {shown()!r}")
        assert "09:14" in shown() and "(server [down])" in shown()
