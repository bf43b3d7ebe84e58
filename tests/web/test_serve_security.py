"""`kiosk serve` against other pages and other networks (issue 22 points 13 and 14), in a
real headless Chromium: a page from another origin cannot open the admin websocket; a
browser reaching the server by a LAN address gets a websocket URL with that address; TLS
with a certificate made here; the security headers on every response."""
from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.pin import PinVault
from kiosk.web.security import (
    HostRule,
    SecurityError,
    origin_allowed,
    security_headers,
    ssl_context,
)
from kiosk.web.serve import network_warning
from tests.web.test_serve import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PIN,
    ROOT,
    Session,
    _browser_missing,
    free_port,
    wait_until_listening,
)

needs_browser = pytest.mark.skipif(_browser_missing() is not None, reason=str(_browser_missing()))


# -- the rules, without a server --------------------------------------------------------
def _request(host: str, origin: str | None = None, secure: bool = False):
    from aiohttp.test_utils import make_mocked_request

    headers = {"Host": host, "Upgrade": "websocket"}
    if origin is not None:
        headers["Origin"] = origin
    request = make_mocked_request("GET", "/ws", headers=headers)
    return request.clone(scheme="https") if secure else request


def test_origin_must_be_this_very_scheme_host_and_port():
    assert origin_allowed(_request("127.0.0.1:8080", "http://127.0.0.1:8080"))
    assert origin_allowed(_request("shop-pc.local:8080", "http://SHOP-PC.local:8080"))
    assert origin_allowed(_request("[::1]:8080", "http://[::1]:8080"))
    assert origin_allowed(_request("kiosk.example", "https://kiosk.example:443", secure=True))
    for origin in (None, "", "null", "http://evil.example", "http://127.0.0.1:8081",
                   "https://127.0.0.1:8080", "http://127.0.0.1:8080.evil.example",
                   "file://", "http://127.0.0.1:99999", "javascript:alert(1)"):
        assert not origin_allowed(_request("127.0.0.1:8080", origin)), origin


def test_host_names_a_server_answers_to():
    loopback = HostRule("127.0.0.1")
    assert loopback.allows("127.0.0.1:8080") and loopback.allows("localhost:8080")
    assert loopback.allows("[::1]:8080")
    # DNS rebinding: a foreign name re-pointed at 127.0.0.1 is refused
    for host in ("evil.example:8080", "192.168.1.20:8080", "", None, "localhost.evil:8080"):
        assert not loopback.allows(host), host
    everywhere = HostRule("0.0.0.0", frozenset({"backoffice.shop.lan"}))
    assert everywhere.allows("192.168.1.20:8080") and everywhere.allows("[fe80::1]:8080")
    assert everywhere.allows("BACKOFFICE.shop.lan:8080")
    assert not everywhere.allows("evil.example:8080")
    one = HostRule("192.168.1.20")
    assert one.allows("192.168.1.20:8080") and not one.allows("10.0.0.1:8080")


def test_headers_and_warning_lines():
    headers = security_headers(_request("127.0.0.1:8080"), ["refresh()"])
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "connect-src 'self' ws://127.0.0.1:8080" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    clear = network_warning("0.0.0.0")
    assert clear is not None and "PIN crosses the network in clear" in clear
    assert "\n" not in clear
    with_tls = network_warning("0.0.0.0", tls=True)
    assert with_tls is not None and "in clear" not in with_tls
    assert network_warning("127.0.0.1") is None


def test_unusable_tls_files_are_one_line(tmp_path):
    with pytest.raises(SecurityError, match="no such file"):
        ssl_context(str(tmp_path / "missing.pem"))
    (tmp_path / "junk.pem").write_text("not a certificate [b]\n")
    with pytest.raises(SecurityError) as bad:
        ssl_context(str(tmp_path / "junk.pem"))
    assert "\n" not in str(bad.value)
    data = tmp_path / "data"
    PinVault(data).set_pin(PIN)
    done = subprocess.run([sys.executable, "-m", "kiosk", "serve", "--config",
                           str(ROOT / "config.toml"), "--data-dir", str(data),
                           "--port", str(free_port()), "--certfile", str(tmp_path / "junk.pem")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("kiosk serve: cannot use the certificate")
    assert "Traceback" not in done.stderr


# -- real servers, a real browser -------------------------------------------------------
def start_serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    data = tmp_path / "data"
    if not data.exists():
        PinVault(data).set_pin(PIN)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--config",
                               str(ROOT / "config.toml"), "--data-dir", str(data),
                               "--port", str(port), *extra], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until_listening(server, port, "kiosk serve")
    return server, port


@pytest.fixture
def served_local(tmp_path: Path) -> Iterator[int]:
    server, port = start_serve(tmp_path)
    yield port
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def evil_site(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """Another origin: a plain web server on another port serving one page."""
    root = tmp_path / "evil"
    root.mkdir()
    port = free_port()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield port, root
    httpd.shutdown()


def test_a_foreign_host_name_is_refused_and_headers_are_on_every_response(served_local):
    base = f"http://127.0.0.1:{served_local}"
    for path in ("/", "/static/js/textual.js"):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            policy = response.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in policy
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    rebound = urllib.request.Request(base + "/", headers={"Host": f"evil.example:{served_local}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound, timeout=10)
    assert refused.value.code == 421
    forged = urllib.request.Request(base + "/ws", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "http://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as forbidden:
        urllib.request.urlopen(forged, timeout=10)
    assert forbidden.value.code == 403


@needs_browser
def test_a_page_of_another_origin_cannot_open_the_websocket(served_local, evil_site):
    from playwright.sync_api import sync_playwright

    evil_port, evil_root = evil_site
    (evil_root / "index.html").write_text(f"""<!doctype html><title>start</title><script>
      const ws = new WebSocket("ws://127.0.0.1:{served_local}/ws?width=80&height=24");
      ws.onopen = () => {{ document.title = "opened"; ws.send('["stdin","0000\\\\r"]'); }};
      ws.onmessage = () => {{ document.title = "got data"; }};
      ws.onerror = () => {{ if (document.title === "start") document.title = "refused"; }};
      ws.onclose = () => {{ if (document.title === "start") document.title = "refused"; }};
    </script>""")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{evil_port}/index.html")
            page.wait_for_function("document.title !== 'start'", timeout=20_000)
            assert page.title() == "refused"
            # nor frame the admin page (clickjacking the PIN keypad): the frame stays empty
            (evil_root / "frame.html").write_text(
                f'<!doctype html><iframe id="f" src="http://127.0.0.1:{served_local}/">'
                "</iframe>")
            with page.expect_console_message(lambda m: "frame-ancestors" in m.text,
                                             timeout=20_000):
                page.goto(f"http://127.0.0.1:{evil_port}/frame.html")
            framed = [f for f in page.frames if f is not page.main_frame]
            assert all("Staff access" not in (f.content() if f.url.startswith("http") else "")
                       and f.query_selector("#terminal") is None for f in framed)
            # the same server's own page still works from the same browser
            own = Session(browser, f"http://127.0.0.1:{served_local}/")
            own.wait_for(lambda t: "Staff access" in t, 30, what="the PIN screen")
        finally:
            browser.close()


@needs_browser
def test_a_lan_browser_gets_a_websocket_url_with_the_address_it_used(tmp_path):
    """--host 0.0.0.0: a browser reaching the server as 127.0.0.2 (standing in for the
    shop's LAN address) gets ws://127.0.0.2:port, not localhost or the machine's name."""
    from playwright.sync_api import sync_playwright

    server, port = start_serve(tmp_path, "--host", "0.0.0.0")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                violations: list[str] = []
                session = Session(browser, f"http://127.0.0.2:{port}/")
                session.page.on("console", lambda m: violations.append(m.text)
                                if "Content Security Policy" in m.text else None)
                url = session.page.get_attribute("#terminal", "data-session-websocket-url")
                assert url == f"ws://127.0.0.2:{port}/ws"
                session.wait_for(lambda t: "Staff access" in t, 30, what="the PIN screen")
                mark = session.mark()
                session.page.reload()  # once more, with the console watched from the start
                session.wait_for(lambda t: "Staff access" in t, 30, since=mark,
                                 what="the PIN screen again")
                if shots := os.environ.get("KIOSK_SHOTS"):
                    session.page.screenshot(path=f"{shots}/serve-lan.png")
                # the CSP blocks nothing the page needs; only textual-serve's link to Google
                # Fonts (the admin PIN page calls no third party; the terminal font is local)
                assert [v for v in violations if "fonts.googleapis.com" not in v] == []
            finally:
                browser.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    assert "PIN crosses the network in clear" in output


class _TrustingSelfSigned:
    """The browser, opening pages that accept the test's own self-signed certificate."""

    def __init__(self, browser) -> None:
        self.browser = browser

    def new_page(self, **options):
        return self.browser.new_page(ignore_https_errors=True, **options)


@needs_browser
def test_tls_with_a_self_signed_certificate(tmp_path):
    from playwright.sync_api import sync_playwright

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server, port = start_serve(tmp_path, "--certfile", str(cert), "--keyfile", str(key))
    try:
        with pytest.raises(OSError):  # plain http gets nothing from it
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                session = Session(_TrustingSelfSigned(browser), f"https://127.0.0.1:{port}/")
                url = session.page.get_attribute("#terminal", "data-session-websocket-url")
                assert url == f"wss://127.0.0.1:{port}/ws"
                session.wait_for(lambda t: "Staff access" in t, 30, what="the PIN screen")
                session.keys(*PIN, "Enter")
                session.wait_for(lambda t: "satisfied" in t or "No answers" in t, 30,
                                 what="the admin view over TLS")
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
