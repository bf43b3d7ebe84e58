"""``kiosk`` command line: the only place that parses argv.

Every mistake a person can make ends in one line on stderr and exit code 2."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import NoReturn

from kiosk.commands import USAGE_ERROR, UsageError
from kiosk.commands.counter import run, set_pin
from kiosk.commands.data import demo, export, import_, stats
from kiosk.commands.fleet import adopt, fleet, sync_once
from kiosk.commands.manager import admin, serve
from kiosk.config import Config, ConfigError, load_config
from kiosk.store.lock import StoreLocked
from kiosk.ui.crash import CRASH_EXIT, write_crash_log


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-22") from None


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a TCP port (1-65535)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--config", default="config.toml", metavar="PATH",
                        help="the kiosk's config file (default: ./config.toml)")
    common.add_argument("--data-dir", metavar="DIR",
                        help="override the configured data dir")
    period = _Parser(add_help=False)
    period.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="first local day included")
    period.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="last local day included")

    parser = _Parser(prog="kiosk", description="Counter CSAT kiosk.", parents=[common])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.add_parser("run", parents=[common], help="start the kiosk (the default)")
    export = commands.add_parser("export", parents=[common, period],
                                 help="write the responses as CSV")
    export.add_argument("--out", default="-", metavar="FILE|-",
                        help="where to write (default '-': standard output)")
    export.add_argument("--bom", action="store_true",
                        help="start with a UTF-8 byte order mark (for Excel)")
    stats = commands.add_parser("stats", parents=[common, period],
                                help="print CSAT and the answer distribution")
    stats.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    admin = commands.add_parser("admin", parents=[common],
                                help="open the PIN screen and admin view (back office, SSH)")
    admin.add_argument("--fleet", action="store_true",
                       help="the whole chain from the fleet database (--url or KIOSK_FLEET_URL)")
    admin.add_argument("--url", metavar="URL", help="fleet database URL, without password "
                       "(PGPASSWORD or ~/.pgpass holds it)")
    serve = commands.add_parser("serve", parents=[common],
                                help="serve the admin view (PIN first) to a web browser")
    serve.add_argument("--host", default="127.0.0.1",
                       help="interface to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=_port, default=8080, help="TCP port (default 8080)")
    serve.add_argument("--fleet", action="store_true",
                       help="serve the fleet view instead (--url or KIOSK_FLEET_URL)")
    serve.add_argument("--url", metavar="URL", help="fleet database URL, without password "
                       "(PGPASSWORD or ~/.pgpass holds it)")
    serve.add_argument("--certfile", metavar="PEM", help="serve over TLS (https) with this "
                       "certificate (chain); without TLS the PIN crosses the network in clear")
    serve.add_argument("--keyfile", metavar="PEM", help="the certificate's private key "
                       "(default: in --certfile)")
    serve.add_argument("--allow-host", metavar="NAME", action="append", default=[],
                       help="a DNS name browsers use to reach this server (repeatable; IP "
                       "addresses and this machine's names are always accepted off loopback)")
    sync = commands.add_parser("sync", parents=[common],
                               help="push responses to the fleet database ([sync] table)")
    sync.add_argument("--once", action="store_true", required=True,
                      help="one catch-up pass, then exit (for cron)")
    fleet = commands.add_parser("fleet", help="set up the fleet database (head office)")
    fleet_commands = fleet.add_subparsers(dest="fleet_command", metavar="ACTION",
                                          parser_class=_Parser, required=True)
    url_help = ("database URL without password (default: $KIOSK_FLEET_URL; the password "
                "comes from PGPASSWORD or ~/.pgpass; TLS: add sslmode=verify-full)")
    init = fleet_commands.add_parser("init", help="create or upgrade the schema (safe twice)")
    init.add_argument("url", nargs="?", metavar="URL", help=url_help)
    init.add_argument("--url", dest="url_option", metavar="URL", help=url_help)
    check = fleet_commands.add_parser(
        "check", help="per site: does head office hold every answer? (exit 1 on a gap)")
    check.add_argument("--url", metavar="URL", help=url_help)
    release = fleet_commands.add_parser(
        "release", help="let a kiosk id be installed on another machine (replaced hardware)")
    release.add_argument("kiosk_id", metavar="ID", help="the kiosk's [kiosk] id")
    release.add_argument("--url", metavar="URL", help=url_help)
    adopt_parser = fleet_commands.add_parser(
        "adopt", parents=[common], help="on a counter: sync answers recorded under an old "
        "kiosk id as this site's")
    adopt_parser.add_argument("old_id", metavar="OLD-ID", help="the id they were recorded under")
    add_kiosk = fleet_commands.add_parser(
        "add-kiosk", help="create the login of one kiosk id; prints its password once")
    add_kiosk.add_argument("kiosk_id", metavar="ID", help="the kiosk's [kiosk] id")
    add_kiosk.add_argument("--url", metavar="URL", help=url_help)
    add_viewer = fleet_commands.add_parser(
        "add-viewer", help="create a head-office login that reads every site")
    add_viewer.add_argument("name", metavar="NAME", help="role name, e.g. head_office")
    add_viewer.add_argument("--url", metavar="URL", help=url_help)
    commands.add_parser("set-pin", parents=[common],
                        help="set the admin PIN (asks twice, or reads one line from stdin)")
    importer = commands.add_parser("import", parents=[common],
                                   help="read CSV exports (of this or other kiosks) into the store")
    importer.add_argument("files", nargs="+", metavar="FILE.csv", help="CSV files written by export")
    demo = commands.add_parser("demo", parents=[common],
                               help="fill the data dir with realistic synthetic responses")
    demo.add_argument("--days", type=int, default=90, help="days of history (default 90)")
    demo.add_argument("--per-day", type=int, default=600, help="responses a day (default 600)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    # `kiosk` and `kiosk --config X` mean `kiosk run ...`.
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]
    args = build_parser().parse_args(argv)
    if getattr(args, "since", None) and getattr(args, "until", None) and args.since > args.until:
        raise UsageError(f"kiosk {args.command}: --since {args.since} is after --until {args.until}")
    return args


def main(argv: list[str] | None = None) -> int:
    config: Config | None = None
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        if args.command == "fleet" and args.fleet_command != "adopt":
            return fleet(args)  # head office: no kiosk config needed
        config = load_config(args.config, args.data_dir)
        if args.command == "fleet":
            return adopt(args, config)
        return COMMANDS[args.command](args, config)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return USAGE_ERROR
    except (ConfigError, StoreLocked) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: never a traceback (with its values) on the counter
        log = write_crash_log(exc, [config.data_dir] if config else [])
        where = f"details in {log}" if log else "no place to write the details"
        print(f"kiosk: internal error ({type(exc).__name__}); {where}", file=sys.stderr)
        return CRASH_EXIT


COMMANDS = {"run": run, "export": export, "stats": stats, "demo": demo, "import": import_,
            "admin": admin, "set-pin": set_pin, "serve": serve, "sync": sync_once}

