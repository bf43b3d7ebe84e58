"""`kiosk serve`: the admin view in a web browser, through textual-serve.

Every browser session runs its own `kiosk admin` process on the same config and
data dir, so every session starts on the PIN screen, and the PIN lockout (kept in
the data dir) holds for all of them at once. Only the loopback interface listens
unless ``--host`` says otherwise.

`kiosk serve --fleet` serves the fleet view (`kiosk admin --fleet`) the same way.
The database URL reaches each session's process through KIOSK_FLEET_URL in the
environment, never on the command line textual-serve prints; the password stays
libpq's (PGPASSWORD or ~/.pgpass), inherited the same way."""
from __future__ import annotations

import ipaddress
import os
import shlex
import socket
import sys
from pathlib import Path

WILDCARDS = ("0.0.0.0", "::", "")


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


def public_url(host: str, port: int) -> str:
    """What a browser opens: the machine's name when listening on every interface."""
    name = socket.getfqdn() if host in WILDCARDS else host
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"http://{name}:{port}"


def network_warning(host: str) -> str | None:
    if is_local(host):
        return None
    return (f"kiosk serve: warning: listening on {host}: anyone on that network reaches "
            "the admin PIN screen (the PIN lockout still applies)")


def serve(config_path: Path, data_dir: Path, host: str, port: int,
          fleet_url: str | None = None) -> None:
    """Serve the admin view, or with ``fleet_url`` (no password in it) the fleet view."""
    from textual_serve.server import Server

    warning = network_warning(host)
    if warning:
        print(warning, file=sys.stderr)
    if fleet_url is not None:
        os.environ[FLEET_URL_ENV] = fleet_url  # each session's process inherits it
    Server(admin_command(config_path, data_dir, fleet=fleet_url is not None), host=host,
           port=port, title="csat-kiosk fleet" if fleet_url else "csat-kiosk admin",
           public_url=public_url(host, port)).serve()
