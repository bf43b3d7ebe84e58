"""`kiosk admin` and `kiosk serve`: the staff's views of the figures, in a terminal or a browser."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands import UsageError
from kiosk.commands.data import open_reader
from kiosk.commands.fleet import fleet_url_from
from kiosk.config import Config


def admin(args: argparse.Namespace, config: Config) -> int:
    if args.fleet:
        from kiosk.ui.screens.fleet import FleetApp

        fleet_app = FleetApp(config, fleet_url_from(args, "kiosk admin --fleet"))
        fleet_app.run()
        return fleet_app.return_code or 0
    from kiosk.ui.app import AdminApp

    app = AdminApp(config, open_reader(args, config))
    app.run()
    return app.return_code or 0


def serve(args: argparse.Namespace, config: Config) -> int:
    from kiosk.web.serve import serve as serve_admin

    fleet_url = fleet_url_from(args, "kiosk serve --fleet") if args.fleet else None
    if fleet_url is None:
        open_reader(args, config)  # says so when there is no data yet
    from kiosk.web.security import SecurityError

    if args.keyfile and not args.certfile:
        raise UsageError("kiosk serve: --keyfile needs --certfile (the certificate it signs)")
    try:
        serve_admin(Path(args.config), config.data_dir, args.host, args.port, fleet_url,
                    certfile=args.certfile, keyfile=args.keyfile,
                    allow_hosts=frozenset(args.allow_host))
    except SecurityError as exc:
        raise UsageError(f"kiosk serve: {exc}") from None
    except OSError as exc:
        raise UsageError(f"kiosk serve: cannot listen on {args.host}:{args.port} "
                         f"({exc.strerror or exc}); choose another --port or --host") from None
    return 0
