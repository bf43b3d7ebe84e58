"""`kiosk serve --fleet`: the fleet view through textual-serve, over a real PostgreSQL.

The database URL reaches each browser session's process through KIOSK_FLEET_URL and
the password through PGPASSWORD: neither is on the command line textual-serve prints."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fleet_pg import kiosk_config, owner_conn, responses, unique_id, write_responses
from test_serve import CHROMIUM, CHROMIUM_ARGS, Session, _browser_missing, free_port, wait_until_listening

from kiosk.config import Config, load_config
from kiosk.fleet.schema import add_viewer
from kiosk.fleet.sync import Syncer
from kiosk.pin import PinVault
from kiosk.web.serve import FLEET_URL_ENV, admin_command

pytest_plugins = ("fleet_pg",)  # the pg and fleet_db fixtures

ROOT = Path(__file__).resolve().parents[2]
PIN = "5173"


def test_the_fleet_command_line_names_no_database_url():
    command = admin_command(Path("/etc/kiosk/config.toml"), Path("/var/lib/kiosk"), fleet=True)
    assert command.split()[1:] == ["-m", "kiosk", "admin", "--fleet", "--config",
                                   "/etc/kiosk/config.toml", "--data-dir", "/var/lib/kiosk"]
    assert "--fleet" not in admin_command(Path("/c.toml"), Path("/d"))


def test_a_url_holding_a_password_is_refused_without_echoing_it(tmp_path):
    secret = "hunter2-not-here"
    done = subprocess.run([sys.executable, "-m", "kiosk", "serve", "--fleet", "--url",
                           f"postgresql://office:{secret}@127.0.0.1:1/fleet",
                           "--config", str(ROOT / "config.toml"),
                           "--data-dir", str(tmp_path / "data"), "--port", str(free_port())],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != FLEET_URL_ENV})
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "password" in done.stderr and secret not in done.stderr + done.stdout


def test_without_a_url_it_says_how_to_give_one(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kiosk", "serve", "--fleet",
                           "--config", str(ROOT / "config.toml"),
                           "--data-dir", str(tmp_path / "data"), "--port", str(free_port())],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != FLEET_URL_ENV})
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--url URL or KIOSK_FLEET_URL" in done.stderr


@dataclass
class ServedFleet:
    address: str
    url: str  # the viewer's database URL, without password
    password: str
    site: Config
    server: subprocess.Popen[bytes]


@pytest.fixture
def served_fleet(fleet_db, tmp_path: Path) -> Iterator[ServedFleet]:
    """One synced site, a head-office login, and `kiosk serve --fleet` on a free port."""
    cluster, owner_url = fleet_db
    kiosk = unique_id("served")
    site = load_config(kiosk_config(tmp_path, cluster, owner_url, kiosk))
    write_responses(site.data_dir, responses(kiosk, 600, per_day=40, seed=7))
    syncer = Syncer(site)
    syncer.run_once()
    syncer.close()
    with owner_conn(cluster, owner_url) as conn:
        viewer = add_viewer(conn, f"office_{unique_id('s').replace('-', '_')}")
    url = cluster.url(user=viewer.role, database=owner_url.rsplit("/", 1)[1])
    office = tmp_path / "office"
    PinVault(office).set_pin(PIN)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != FLEET_URL_ENV}
    env["PGPASSWORD"] = viewer.password
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--fleet", "--url", url,
                               "--config", str(ROOT / "config.toml"), "--data-dir", str(office),
                               "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until_listening(server, port, "kiosk serve --fleet")
    served = ServedFleet(f"http://127.0.0.1:{port}", url, viewer.password, site, server)
    yield served
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=10)


def test_the_fleet_is_served_on_localhost_and_nothing_secret_is_printed(served_fleet):
    with urllib.request.urlopen(served_fleet.address + "/", timeout=10) as answer:
        page = answer.read().decode("utf-8", "replace")
        assert answer.status == 200
    assert "csat-kiosk fleet" in page
    assert served_fleet.url not in page and served_fleet.password not in page
    served_fleet.server.terminate()
    printed = served_fleet.server.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert "serving csat-kiosk fleet on http://127.0.0.1" in printed
    assert served_fleet.url not in printed and served_fleet.password not in printed


@pytest.mark.skipif(_browser_missing() is not None, reason=str(_browser_missing()))
def test_the_fleet_in_a_browser_pin_then_sites_then_a_sites_admin_view(served_fleet):
    from playwright.sync_api import sync_playwright

    site = served_fleet.site
    stats = subprocess.run([sys.executable, "-m", "kiosk", "stats", "--json", "--config",
                            str(site.path)], capture_output=True, text=True, check=True)
    expected = json.loads(stats.stdout)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            session = Session(browser, served_fleet.address)
            session.wait_for(lambda t: "Staff access" in t, 20, what="the PIN screen")
            session.keys(*PIN, "Enter")
            session.wait_for(lambda t: site.kiosk.id in t, 20, what="the site's row")
            mark = session.mark()
            session.page.keyboard.press("Enter")  # the site under the cursor
            session.wait_for(lambda t: "Back to sites" in t and "today so far" in t, 20,
                             since=mark, what="the site's admin view")
            session.page.keyboard.press("a")  # all time: what `kiosk stats` prints
            shown = session.wait_for(lambda t: "all time (since" in t, 10, since=mark,
                                     what="all time")
            figure = re.findall(r"(\d+\.\d) % satisfied · all time", shown)[-1]
            assert float(figure) == pytest.approx(expected["csat"], abs=0.05)
            assert f"{expected['responses']:,} answers" in shown
        finally:
            browser.close()
