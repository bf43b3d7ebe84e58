"""`kiosk sync` (one catch-up push) and `kiosk fleet ...` (head office's database commands)."""
from __future__ import annotations

import argparse
import os
import sys

from kiosk.commands import UsageError
from kiosk.config import Config


def sync_once(args: argparse.Namespace, config: Config) -> int:
    """`kiosk sync --once`: one catch-up pass (cron); the kiosk itself syncs in the background."""
    from kiosk.fleet.connection import FleetError
    from kiosk.fleet.status import status_line
    from kiosk.fleet.sync import SyncBusy, Syncer, SyncUnavailable

    if config.sync is None:
        raise UsageError(f"kiosk sync: {config.path} has no [sync] table; add one with the "
                         "fleet database's url (see config.toml)")
    syncer = Syncer(config)
    try:
        result = syncer.run_once()
    except FleetError as exc:
        raise UsageError(f"kiosk sync: {exc}") from None
    except SyncBusy as exc:  # the kiosk's own thread is at it: nothing for cron to do
        print(f"kiosk sync: {exc}; nothing to do", file=sys.stderr)
        return 0
    except SyncUnavailable as exc:  # unreachable, refused, or stored less than sent
        print(f"kiosk sync: {exc.prefix} ({exc}); {exc.hint}", file=sys.stderr)
        return 1
    finally:
        syncer.close()
    from kiosk.models import local_now

    print(f"kiosk: sent {result.pushed} answer(s), head office stored {result.stored}; "
          f"{status_line(config.data_dir, local_now())}", file=sys.stderr)
    if result.rejected:
        print(f"kiosk sync: {result.rejected} rows rejected ({'; '.join(result.reasons)}); "
              "kept on this counter in sync-quarantine.json, the rest went on", file=sys.stderr)
    if result.foreign:
        print(f"kiosk sync: {result.foreign}", file=sys.stderr)
    return 1 if result.rejected else 0


def adopt(args: argparse.Namespace, config: Config) -> int:
    """`kiosk fleet adopt OLD-ID`: sync the answers recorded under OLD-ID (before the
    kiosk id was changed) as this site's; they keep OLD-ID locally and in made_as."""
    from kiosk.fleet.journal import CURSOR_FILE
    from kiosk.fleet.reconcile import DAYS_FILE, adopted_ids, foreign_answers
    from kiosk.fleet.reconcile import adopt as record_adoption

    old = args.old_id
    if old == config.kiosk.id:
        raise UsageError(f"kiosk fleet adopt: {old!r} is this kiosk's own id already")
    found = foreign_answers(config.data_dir, config.kiosk.id, adopted_ids(config.data_dir))
    if not found.get(old):
        held = ", ".join(f"{k} ({n})" for k, n in found.most_common(5)) or "none"
        raise UsageError(f"kiosk fleet adopt: {config.data_dir} holds no answers under "
                         f"{old!r}; ids found besides {config.kiosk.id!r}: {held}")
    record_adoption(config.data_dir, old)
    (config.data_dir / CURSOR_FILE).unlink(missing_ok=True)  # push all again: idempotent
    (config.data_dir / DAYS_FILE).unlink(missing_ok=True)  # every day reported again
    print(f"kiosk: {found[old]} answers recorded under {old!r} will be synced as site "
          f"{config.kiosk.id!r} (next sync)", file=sys.stderr)
    return 0


def fleet_url_from(args: argparse.Namespace, command: str) -> str:
    from kiosk.config import database_url_problem

    url = (getattr(args, "url_option", None) or args.url
           or os.environ.get("KIOSK_FLEET_URL"))
    if not url:
        raise UsageError(f"{command}: give the fleet database URL (--url URL or "
                         "KIOSK_FLEET_URL)")
    problem = database_url_problem(url)
    if problem:
        # Never echo the URL: it may hold the password.
        raise UsageError(f"{command}: the database URL " + (
            "holds a password; remove it and set PGPASSWORD or use ~/.pgpass"
            if "password" in problem else problem))
    return url


def fleet(args: argparse.Namespace) -> int:
    """`kiosk fleet init | add-kiosk | add-viewer`, run by head office with an owner's login."""
    import psycopg

    from kiosk.fleet import schema
    from kiosk.fleet.connection import FleetError, connect, first_line

    command = f"kiosk fleet {args.fleet_command}"
    url = fleet_url_from(args, command)
    try:
        with connect(url) as conn:
            if args.fleet_command == "init":
                applied = schema.init_schema(conn)
                print(f"kiosk: fleet schema up to date"
                      f"{' (applied ' + ', '.join(applied) + ')' if applied else ''}",
                      file=sys.stderr)
                return 0
            if args.fleet_command == "check":
                from kiosk.fleet.check import check

                return check(conn, sys.stdout)
            if args.fleet_command == "release":
                schema.release(conn, args.kiosk_id)
                print(f"kiosk: {args.kiosk_id!r} is free; its next installation to sync "
                      "takes it", file=sys.stderr)
                return 0
            if args.fleet_command == "add-kiosk":
                credentials = schema.add_kiosk(conn, args.kiosk_id)
                what = f"kiosk {args.kiosk_id!r}"
            else:
                credentials = schema.add_viewer(conn, args.name)
                what = "head-office viewer"
    except FleetError as exc:
        raise UsageError(f"{command}: {exc}") from None
    except psycopg.Error as exc:
        raise UsageError(f"{command}: {first_line(exc)}") from None
    # The one time the password is shown: on standard output, for the installer.
    print(f"login for {what} (shown once, keep it in a file of mode 0600):")
    print(f"  user     = {credentials.role}")
    print(f"  password = {credentials.password}")
    return 0
