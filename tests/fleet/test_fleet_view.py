"""The fleet view over a real PostgreSQL: the same numbers as `kiosk stats` on each counter."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest
from fleet_pg import kiosk_config, owner_conn, responses, unique_id, write_responses
from textual.widgets import Button, DataTable, Digits

from kiosk.config import load_config
from kiosk.data.stats import stats_summary
from kiosk.fleet.figures import FleetSource, fleet_figures, site_summary
from kiosk.fleet.schema import add_viewer
from kiosk.fleet.sync import Syncer
from kiosk.pin import PinVault
from kiosk.store.response_store import ResponseStore
from kiosk.ui.screens.admin import AdminScreen
from kiosk.ui.screens.fleet import BELOW_MARK, FleetApp, FleetScreen
from kiosk.ui.screens.pin import PinScreen
from kiosk.ui.widgets.charts import HeatMap, ReasonBars
from kiosk.views.dashboard import Dashboard
from tests.conftest import fire, wait_until

pytest_plugins = ("fleet_pg",)  # the pg and fleet_db fixtures

TODAY = date(2026, 11, 20)


@pytest.fixture
def chain(fleet_db, tmp_path):
    """Three synced sites; the last one answers badly (its interval is below the chain)."""
    cluster, url = fleet_db
    sites = {}
    for n, kiosk in enumerate((unique_id("north"), unique_id("south"), unique_id("poor"))):
        config = load_config(kiosk_config(tmp_path, cluster, url, kiosk))
        made = responses(kiosk, 900, per_day=60, seed=n + 1)
        if n == 2:
            made = [replace(r, score=min(r.score, 3), label="Neutral") if i % 2 else r
                    for i, r in enumerate(made)]
        write_responses(config.data_dir, made)
        syncer = Syncer(config)
        syncer.run_once()
        syncer.close()
        sites[kiosk] = config
    return cluster, url, sites


def test_each_sites_figures_equal_kiosk_stats_on_its_own_data(chain):
    cluster, url, sites = chain
    with owner_conn(cluster, url) as conn:
        for kiosk, config in sites.items():
            fleet = site_summary(conn, kiosk, threshold=config.survey.satisfied_threshold,
                                 min_responses=config.admin.min_responses)
            local = stats_summary(ResponseStore(config.data_dir, tz=config.kiosk.timezone), config)
            assert fleet.to_json() == local.to_json()
            printed = subprocess.run([sys.executable, "-m", "kiosk", "stats", "--json",
                                      "--config", str(config.path)],
                                     capture_output=True, text=True, timeout=60)
            assert json.loads(printed.stdout) == fleet.to_json()
        figures = fleet_figures(conn, TODAY)
    by_site = {site.kiosk_id: site for site in figures.sites}
    assert set(by_site) == set(sites)
    assert figures.chain.responses == sum(s.summary.responses for s in figures.sites)
    poor = next(k for k in sites if k.startswith("poor"))
    assert [k for k, s in by_site.items() if s.below_chain] == [poor]
    assert by_site[poor].summary.ci95[1] < figures.chain.csat


def kiosk_stats_json(config) -> dict:
    """What `kiosk stats --json` prints on the counter's own data dir (a real process)."""
    printed = subprocess.run([sys.executable, "-m", "kiosk", "stats", "--json",
                              "--config", str(config.path)],
                             capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    return json.loads(printed.stdout)


async def test_fleet_view_behind_the_pin_lists_marks_and_opens_the_sites_admin_view(chain):
    cluster, url, sites = chain
    with owner_conn(cluster, url) as conn:
        viewer = add_viewer(conn, f"office_{unique_id('v').replace('-', '_')}")
    database = url.rsplit("/", 1)[1]
    config = next(iter(sites.values()))
    PinVault(config.data_dir).set_pin("2468")
    source = FleetSource(cluster.url(user=viewer.role, database=database), viewer.password)
    app = FleetApp(config, source.url, source=source, today=lambda: TODAY, hour=lambda: 15)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"2468", "enter")
        await wait_until(lambda: isinstance(app.screen, FleetScreen), what="the fleet view")
        screen = app.screen
        await wait_until(lambda: screen.figures is not None, timeout=20, what="the figures")
        table = screen.query_one(DataTable)
        assert table.row_count == 3
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(3)}
        poor = next(k for k in sites if k.startswith("poor"))
        assert str(rows[poor][-1]) == BELOW_MARK
        assert all(str(row[-1]) == "" for k, row in rows.items() if k != poor)
        table.move_cursor(row=list(rows).index(poor))
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, AdminScreen), what="the site's admin view")
        admin = app.screen
        await wait_until(lambda: admin.dashboard is not None, timeout=20,
                         what="the site's figures")
        assert poor in str(admin.query_one("#admin-title").render())
        await pilot.press("a")  # all time: what `kiosk stats` prints with no period
        own = sites[poor]
        printed = kiosk_stats_json(own)
        await wait_until(lambda: f"{printed['responses']:,} answers"
                         in str(admin.query_one("#headline").render()), what="the headline")
        assert str(admin.query_one("#csat-digits", Digits).value) == f"{printed['csat']:.1f}"
        assert admin.dashboard.figures.summary.to_json() == printed
        # Heat map, reasons, languages and NPS: as the counter's own summaries give them.
        hours, breakdowns = ResponseStore(own.data_dir, tz=own.kiosk.timezone).summaries()
        local = Dashboard(hours, threshold=own.survey.satisfied_threshold,
                          min_responses=own.admin.min_responses, today=lambda: TODAY,
                          day_breakdowns=breakdowns, hour=lambda: 15).select("all")
        fleet = admin.dashboard.figures
        assert fleet.grid == local.grid and fleet.days == local.days
        assert fleet.breakdown.reasons == local.breakdown.reasons
        assert fleet.breakdown.nps == local.breakdown.nps
        assert ({k: t.counts for k, t in fleet.breakdown.languages.items()}
                == {k: t.counts for k, t in local.breakdown.languages.items()})
        assert sum(fleet.breakdown.reasons.values()) > 0
        await pilot.press("h")
        heat = admin.query_one("#heatmap", HeatMap)
        await wait_until(lambda: "Mon" in str(heat.render()), what="the heat map")
        assert any(ch.isdigit() for ch in str(heat.render()).split("Mon", 1)[1])
        reasons = str(admin.query_one("#reasons", ReasonBars).render())
        # Labels give way first on a narrow column ("Wai…"): the bars and figures stay whole.
        assert reasons.lower().startswith(("wai", "sta")) and "wai" in reasons.lower() \
            and "sta" in reasons.lower()
        export = admin.query_one("#export", Button)
        assert export.disabled and "counter" in str(export.label)
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, FleetScreen), what="back to the fleet")


async def test_idle_in_a_sites_admin_view_locks_the_whole_fleet(chain):
    cluster, url, sites = chain
    with owner_conn(cluster, url) as conn:
        viewer = add_viewer(conn, f"office_{unique_id('v').replace('-', '_')}")
    config = next(iter(sites.values()))
    # A long idle time, fired by the test: a slow runner never sees it fire early.
    config = replace(config, admin=replace(config.admin, idle_lock_seconds=60.0))
    PinVault(config.data_dir).set_pin("2468")
    source = FleetSource(cluster.url(user=viewer.role, database=url.rsplit("/", 1)[1]),
                         viewer.password)
    app = FleetApp(config, source.url, source=source, today=lambda: TODAY, hour=lambda: 15)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"2468", "enter")
        await wait_until(lambda: isinstance(app.screen, FleetScreen), what="the fleet view")
        await pilot.press("enter")  # the first site
        await wait_until(lambda: isinstance(app.screen, AdminScreen), what="a site's admin view")
        await fire(app._idle)  # the idle time is up
        await wait_until(lambda: isinstance(app.screen, PinScreen),
                         what="the PIN screen after the idle time")
        assert not any(isinstance(s, (FleetScreen, AdminScreen)) for s in app.screen_stack)
        await pilot.press(*"2468", "enter")  # the same PIN opens the fleet again
        await wait_until(lambda: isinstance(app.screen, FleetScreen), what="the fleet again")


async def test_a_fleet_view_whose_load_fails_says_why_and_tries_again(chain, monkeypatch):
    """The database refuses the head-office login for a moment (its connection limit
    at 0): the fleet view and a site's admin view say why, then load on their own."""
    cluster, url, sites = chain
    role = f"office_{unique_id('v').replace('-', '_')}"
    with owner_conn(cluster, url) as conn:
        viewer = add_viewer(conn, role)
    monkeypatch.setattr(FleetScreen, "retry_seconds", 0.2)
    monkeypatch.setattr(AdminScreen, "LOAD_RETRY_SECONDS", 0.2)
    config = next(iter(sites.values()))
    PinVault(config.data_dir).set_pin("2468")
    source = FleetSource(cluster.url(user=viewer.role, database=url.rsplit("/", 1)[1]),
                         viewer.password)

    def refuse(limit: int) -> None:
        with owner_conn(cluster, url) as conn:
            conn.execute(f'ALTER ROLE "{role}" CONNECTION LIMIT {limit}')

    refuse(0)
    app = FleetApp(config, source.url, source=source, today=lambda: TODAY, hour=lambda: 15)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"2468", "enter")
        await wait_until(lambda: isinstance(app.screen, FleetScreen), what="the fleet view")
        screen = app.screen
        status = screen.query_one("#fleet-status")
        await wait_until(lambda: "too many connections" in str(status.render())
                         and "trying again" in str(status.render()), what="the reason")
        refuse(-1)
        await wait_until(lambda: screen.figures is not None, timeout=20, what="the retry")
        reconciliation = screen.query_one("#fleet-reconciliation")
        await wait_until(lambda: "answers of the last 14 days are here (3 sites)"
                         in str(reconciliation.render()), what="the reconciliation line")
        refuse(0)
        await pilot.press("enter")  # a site's admin view, while the login is refused
        await wait_until(lambda: isinstance(app.screen, AdminScreen), what="a site's view")
        admin = app.screen
        headline = admin.query_one("#headline")
        await wait_until(lambda: "Cannot load the figures" in str(headline.render())
                         and "too many connections" in str(headline.render()),
                         what="the site view's reason")
        refuse(-1)
        await wait_until(lambda: admin.dashboard is not None, timeout=20,
                         what="the site view after the retry")
