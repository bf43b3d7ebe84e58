"""`kiosk serve`: the admin view in a real headless browser (Debian's chromium driven by
Playwright). The browser receives the terminal's output over textual-serve's websocket;
the test reads the screen text from those frames, as the page's terminal draws them."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.models import Response
from kiosk.pin import PinVault
from kiosk.store.response_store import ResponseStore
from kiosk.web.serve import admin_command, is_local, network_warning, public_url

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
PIN = "4821"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]")


# -- without a browser ----------------------------------------------------------------
def test_only_loopback_is_local_and_others_get_one_warning_line():
    assert is_local("127.0.0.1") and is_local("localhost") and is_local("::1")
    assert network_warning("127.0.0.1") is None
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        warning = network_warning(host)
        assert warning is not None and "\n" not in warning
        assert "anyone on that network reaches the admin PIN screen" in warning
    assert public_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert "'--data-dir'" not in admin_command(Path("c t.toml"), Path("/d"))  # shell-quoted
    assert "'" in admin_command(Path("c t.toml"), Path("/d"))


def test_a_bad_port_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "kiosk", "serve", "--port", "70000",
                           "--config", str(ROOT / "config.toml")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "TCP port" in done.stderr


# -- in a real browser ----------------------------------------------------------------
def _browser_missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed (pip install -e '.[test,browser]')"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tap(rid: str, score: int, when: datetime) -> Response:
    return Response(id=rid, timestamp=when, kiosk="k", question="q", score=score, label="x",
                    language="en")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "data"
    now = datetime.now().astimezone()
    writer = ResponseStore(data)
    writer.write_now([tap(f"h{i}", 5 if i % 5 else 2, now - timedelta(days=i % 20, minutes=1))
                      for i in range(400)])
    writer.close()
    PinVault(data).set_pin(PIN)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--config",
                               str(ROOT / "config.toml"), "--data-dir", str(data),
                               "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until_listening(server, port, "kiosk serve")
    yield f"http://127.0.0.1:{port}", data
    server.terminate()
    server.wait(timeout=10)


def locked(text: str) -> bool:
    """The PIN screen's lockout line, however the page wrapped it."""
    return re.search(r"Locked\s+for", text) is not None


def wait_until_listening(server: subprocess.Popen[bytes], port: int, what: str) -> None:
    """Until ``server`` accepts connections on ``port`` (a port opening in another process
    has no event to wait on: it is polled every 0.1 s, up to 20 s)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise AssertionError(f"{what} did not start listening") from None
            time.sleep(0.1)  # the poll interval of a port opening elsewhere


class Session:
    """One browser tab on the served admin view, with the text its terminal received."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.frames: list[str] = []
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        self.page.goto(url)

    def _frame(self, payload: bytes | str) -> None:
        raw = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
        self.frames.append(ANSI.sub("", raw))

    def mark(self) -> int:
        return len(self.frames)

    def text(self, since: int = 0) -> str:
        return "".join(self.frames[since:])

    def wait_for(self, condition: Callable[[str], bool], timeout: float, since: int = 0,
                 what: str = "") -> str:
        deadline = time.monotonic() + timeout
        while not condition(self.text(since)):
            if time.monotonic() > deadline:
                raise AssertionError(f"the page did not show {what!r} within {timeout} s; "
                                     f"last text: {self.text(since)[-400:]!r}")
            self.page.wait_for_timeout(50)  # lets Playwright deliver the next frames
        return self.text(since)

    def keys(self, *keys: str) -> None:
        self.page.mouse.click(3, 3)  # focus the terminal away from any button
        for key in keys:
            self.page.keyboard.press(key)


@pytest.mark.skipif(_browser_missing() is not None, reason=str(_browser_missing()))
def test_the_admin_view_in_a_browser_pin_figure_live_tap_and_shared_lockout(served):
    from playwright.sync_api import sync_playwright

    url, data = served
    stats = subprocess.run([sys.executable, "-m", "kiosk", "stats", "--json", "--config",
                            str(ROOT / "config.toml"), "--data-dir", str(data)],
                           capture_output=True, text=True, cwd=ROOT, check=True)
    expected = json.loads(stats.stdout)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            first = Session(browser, url)
            second = Session(browser, url)
            for session in (first, second):  # every session starts locked
                session.wait_for(lambda t: "Staff access" in t, 20, what="the PIN screen")
            first.keys(*PIN, "Enter")
            first.wait_for(lambda t: "% satisfied" in t, 20, what="the headline")
            first.keys("a")  # all time: the figure `kiosk stats` prints
            shown = first.wait_for(lambda t: "all time (since" in t, 10, what="all time")
            figure = re.findall(r"(\d+\.\d) % satisfied · all time", shown)[-1]
            assert float(figure) == pytest.approx(expected["csat"], abs=0.05)
            assert f"{expected['responses']:,} answers" in shown
            # a tap recorded by another process shows (the 2 s it takes is the
            # admin view's poll, not something a loaded runner can be timed on)
            before = first.mark()
            subprocess.run([sys.executable, "-c", (
                "import sys; from datetime import datetime; from kiosk.models import Response;"
                "from kiosk.store.response_store import ResponseStore;"
                f"s = ResponseStore({str(data)!r}).open_writer();"
                "s.record(Response(id='browser-tap', timestamp=datetime.now().astimezone(),"
                " kiosk='k', question='q', score=5, label='x', language='en'));"
                "s.wait_idle(); s.close()")], check=True, cwd=ROOT)
            first.wait_for(lambda t: f"{expected['responses'] + 1:,} answers" in t, 30,
                           since=before, what="the new tap")
            # five wrong PINs in the second session lock every session
            for _ in range(5):
                second.keys("0", "0", "0", "0", "Enter")
            second.wait_for(locked, 30, what="the lockout")
            third = Session(browser, url)
            third.wait_for(lambda t: "Staff access" in t, 20, what="a new PIN screen")
            mark = third.mark()
            third.keys(*PIN, "Enter")
            third.wait_for(locked, 30, since=mark, what="locked for all")
            assert "% satisfied" not in third.text()
        finally:
            browser.close()
