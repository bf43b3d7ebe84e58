"""What a browser may do with kiosk's web servers: the one owner of the rules every page
and websocket follows (the terminal view of `kiosk serve`, and any other page under
``kiosk/web/`` that installs them).

- **Host**: a request is served only under a name the server answers to (``HostRule``):
  a page from ``http://evil.example`` whose name is re-pointed at this machine (DNS
  rebinding) is refused, and every URL a page is given is built from the request's own
  ``Host`` (``base_url``), never from ``localhost`` or the machine's name.
- **Origin**: a websocket opens only for a page of this very origin (scheme, host and
  port): browsers do not apply the same-origin policy to websockets, so without this any
  page open in any browser on the machine drives the admin view (cross-site websocket
  hijacking).  A handshake with no ``Origin`` is refused too.
- **Headers** on every response: a Content-Security-Policy (no frames, no foreign
  scripts, connections only to this origin), X-Content-Type-Options, Referrer-Policy.
- **TLS**: ``ssl_context(certfile, keyfile)``; without it a PIN typed on another machine
  crosses the network in clear.

May import: the stdlib and aiohttp (imported where a server is built). Nothing of kiosk.
"""
from __future__ import annotations

import base64
import hashlib
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from aiohttp import web

WILDCARDS = ("0.0.0.0", "::", "")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class SecurityError(ValueError):
    """A TLS file that cannot be used (one line: what, where, how to fix)."""


def _split_host(host: str) -> str:
    """The name of a ``Host`` header value, lower case, without port or brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host  # a bare name, or an IPv6 address without brackets


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class HostRule:
    """The names a server listening on ``bind`` answers to.

    On a loopback address: only loopback names and addresses (a page reaching it under
    another name came through DNS rebinding).  On one address: that address, plus the
    machine's own names.  On every interface: any IP address, ``localhost`` and the
    machine's names.  ``extra`` adds names (a shop's DNS name for the back office PC)."""

    bind: str
    extra: frozenset[str] = field(default_factory=frozenset)

    def allows(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        name = _split_host(host_header)
        if name in {n.lower() for n in self.extra}:
            return True
        if _is_loopback(self.bind):
            return _is_loopback(name)
        if name in self.machine_names():
            return True
        if self.bind in WILDCARDS:
            return _is_ip(name) or _is_loopback(name)
        return name == _split_host(self.bind)

    @staticmethod
    def machine_names() -> frozenset[str]:
        short = socket.gethostname().lower()
        return frozenset({short, f"{short}.local", socket.getfqdn().lower()})


def scheme_of(request: web.Request) -> str:
    return "https" if request.secure else "http"


def _origin_key(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return (parts.scheme, parts.hostname.lower(),
            port if port is not None else (443 if parts.scheme == "https" else 80))


def base_url(request: web.Request, scheme: str | None = None) -> str:
    """``scheme://host[:port]`` as the browser reached this server (``scheme`` "ws"
    gives the websocket form, ws or wss to match the page)."""
    secure = request.secure
    if scheme == "ws":
        scheme = "wss" if secure else "ws"
    return f"{scheme or scheme_of(request)}://{request.host}"


def origin_allowed(request: web.Request) -> bool:
    """Whether the request comes from a page of this server's own origin (the ``Origin``
    header equals the scheme, host and port the browser used to reach us)."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    mine = _origin_key(f"{scheme_of(request)}://{request.host}")
    return mine is not None and _origin_key(origin) == mine


def is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def script_hashes(sources: Iterable[str]) -> list[str]:
    """CSP source expressions allowing exactly these inline scripts (or handlers)."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in sources]


def security_headers(request: web.Request | None = None,
                     inline_scripts: Iterable[str] = ()) -> dict[str, str]:
    """The headers every response carries; the CSP lets a page connect only back to the
    origin it came from (with ``request``: its websocket form too)."""
    hashes = script_hashes(inline_scripts)
    connect = "'self'"
    if request is not None:
        connect += f" {base_url(request, 'ws')}"
    script = " ".join(["'self'", *(["'unsafe-hashes'", *hashes] if hashes else [])])
    policy = "; ".join([
        "default-src 'self'", f"script-src {script}", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", "font-src 'self' data:", f"connect-src {connect}",
        "object-src 'none'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'"])
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin"}


def ssl_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    """A server TLS context (TLS 1.2 and later); SecurityError in one line if the files
    cannot be used."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile, keyfile)
    except FileNotFoundError as exc:
        raise SecurityError(f"cannot read {exc.filename or certfile}: no such file "
                            "(give --certfile and --keyfile of an existing PEM pair)") from None
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
        raise SecurityError(f"cannot use the certificate {certfile} with the key "
                            f"{keyfile or certfile}: {reason} (give a PEM certificate and "
                            "its private key)") from None
    return context


Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


def install(app: web.Application, rule: HostRule, inline_scripts: Iterable[str] = ()) -> None:
    """Apply the rules to ``app``: refuse foreign Host names and cross-origin websockets
    before any handler runs, and add the security headers to every response."""
    from aiohttp import web

    scripts = list(inline_scripts)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not rule.allows(request.headers.get("Host")):
            raise web.HTTPMisdirectedRequest(text="This server does not answer to that name.\n")
        if is_websocket(request) and not origin_allowed(request):
            raise web.HTTPForbidden(text="A websocket opens only from this server's own pages.\n")
        return await handler(request)

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in security_headers(request, scripts).items():
            response.headers.setdefault(name, value)

    app.middlewares.append(guard)
    app.on_response_prepare.append(add_headers)
