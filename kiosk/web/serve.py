"""`kiosk serve`: the admin view in a web browser, through textual-serve.

Every browser session runs its own `kiosk admin` process on the same config and
data dir, so every session starts on the PIN screen, and the PIN lockout (kept in
the data dir) holds for all of them at once. Only the loopback interface listens
unless ``--host`` says otherwise.

`kiosk serve --fleet` serves the fleet view (`kiosk admin --fleet`) the same way.
The database URL reaches each session's process through KIOSK_FLEET_URL in the
environment, never on the command line textual-serve prints; the password stays
libpq's (PGPASSWORD or ~/.pgpass), inherited the same way.

Browser security (``kiosk.web.security``): the page's websocket URL is built from the
request's own Host, the websocket opens only from this server's own pages (Origin), a
foreign Host name is refused, every response carries the security headers, and
``--certfile/--keyfile`` serve it over TLS.  ``TerminalServer.make_app()`` builds the
whole thing as an aiohttp application another server can mount under a path."""
from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import shlex
import signal
import socket
import ssl
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.web.security import WILDCARDS, HostRule, base_url, install

if TYPE_CHECKING:
    from aiohttp import web


def is_local(host: str) -> bool:
    """True when only this machine can reach ``host``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


FLEET_URL_ENV = "KIOSK_FLEET_URL"


def admin_command(config_path: Path, data_dir: Path, *, fleet: bool = False) -> str:
    """The shell command textual-serve starts for each browser session (``fleet``: the
    fleet view, its database URL taken from KIOSK_FLEET_URL)."""
    return shlex.join([sys.executable, "-m", "kiosk", "admin", *(["--fleet"] if fleet else []),
                       "--config", str(Path(config_path).resolve()),
                       "--data-dir", str(Path(data_dir).resolve())])


def public_url(host: str, port: int, tls: bool = False) -> str:
    """What the console says a browser opens: the machine's name when listening on every
    interface (pages themselves use the Host the browser sent)."""
    name = socket.getfqdn() if host in WILDCARDS else host
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"{'https' if tls else 'http'}://{name}:{port}"


def network_warning(host: str, tls: bool = False) -> str | None:
    if is_local(host):
        return None
    clear = ("" if tls else "; without --certfile/--keyfile (TLS) the PIN crosses the "
             "network in clear")
    return (f"kiosk serve: warning: listening on {host}: anyone on that network reaches "
            f"the admin PIN screen (the PIN lockout still applies){clear}")


def _inline_scripts(template: Path) -> list[str]:
    """The inline scripts and handlers of textual-serve's page, for the CSP to allow
    exactly them (read from the installed template, so they follow its version)."""
    html = template.read_text(encoding="utf-8")
    return (re.findall(r"<script>(.*?)</script>", html, re.S)
            + re.findall(r'onClick="([^"]*)"', html, re.I))


def terminal_server(command: str, host: str, port: int, title: str,
                    tls: ssl.SSLContext | None = None, allow_hosts: frozenset[str] = frozenset()
                    ) -> Any:
    """textual-serve's Server with the browser rules of ``kiosk.web.security``."""
    import aiohttp_jinja2
    from aiohttp import web as aioweb
    from textual_serve.server import Server, to_int

    class TerminalServer(Server):
        rule = HostRule(host, allow_hosts)

        async def make_app(self) -> aioweb.Application:
            """The served application (mountable under a path with ``add_subapp``)."""
            app: aioweb.Application = await self._make_app()
            install(app, self.rule, _inline_scripts(self.templates_path / "app_index.html"))
            return app

        async def on_startup(self, app: aioweb.Application) -> None:
            print(f"kiosk serve: serving {title} on {self.public_url}", file=sys.stderr)

        @aiohttp_jinja2.template("app_index.html")
        async def handle_index(self, request: web.Request) -> dict[str, Any]:
            router = request.app.router
            static = str(router["static"].url_for(filename="/")).rstrip("/") + "/"
            return {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                # from the Host the browser used: a LAN browser gets the LAN name back
                "app_websocket_url": base_url(request, "ws") + str(router["websocket"].url_for()),
                "config": {"static": {"url": static}},
                "application": {"name": self.title},
            }

        def serve(self, debug: bool = False) -> None:
            self.debug = debug
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.request_exit)
            aioweb.run_app(self.make_app(), host=host, port=port, ssl_context=tls,
                           handle_signals=False, loop=loop, print=lambda *args: None,
                           access_log=None)

    return TerminalServer(command, host=host, port=port, title=title,
                          public_url=public_url(host, port, tls is not None))


def serve(config_path: Path, data_dir: Path, host: str, port: int,
          fleet_url: str | None = None, certfile: str | None = None,
          keyfile: str | None = None, allow_hosts: frozenset[str] = frozenset()) -> None:
    """Serve the admin view, or with ``fleet_url`` (no password in it) the fleet view;
    with ``certfile`` (and ``keyfile``) over TLS (SecurityError: files not usable)."""
    from kiosk.web.security import ssl_context

    tls = ssl_context(certfile, keyfile) if certfile else None
    warning = network_warning(host, tls is not None)
    if warning:
        print(warning, file=sys.stderr)
    if fleet_url is not None:
        os.environ[FLEET_URL_ENV] = fleet_url  # each session's process inherits it
    terminal_server(admin_command(config_path, data_dir, fleet=fleet_url is not None),
                    host, port, "csat-kiosk fleet" if fleet_url else "csat-kiosk admin",
                    tls, allow_hosts).serve()
