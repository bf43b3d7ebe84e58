"""``kiosk`` command line: the only place that parses argv.

Every mistake a person can make ends in one line on stderr and exit code 2."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from kiosk.config import Config, ConfigError, check_data_dir, ensure_data_dir, load_config
from kiosk.store.fallback import save_unwritten
from kiosk.store.lock import StoreLocked
from kiosk.store.response_store import ResponseStore
from kiosk.ui.crash import CRASH_EXIT, write_crash_log

if TYPE_CHECKING:
    from kiosk.fleet.sync import SyncThread

USAGE_ERROR = 2


class UsageError(Exception):
    """A mistake in how the command was called, as one line."""


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
        if args.command == "fleet":  # head office: no kiosk config needed
            return fleet(args)
        config = load_config(args.config, args.data_dir)
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


def _open_reader(args: argparse.Namespace, config: Config) -> ResponseStore:
    check_data_dir(config, from_flag=bool(args.data_dir))
    if not config.data_dir.is_dir():
        print(f"kiosk: no responses yet: {config.data_dir} does not exist "
              "(has the kiosk run with this config?)", file=sys.stderr)
    return ResponseStore(config.data_dir, tz=config.kiosk.timezone)


class _StopOnSignal:
    """SIGTERM/SIGHUP from the first instant of `kiosk run`, before anything slow.

    Before the app runs, a signal is noted and the start-up ends at its next step (no
    exception is raised from the handler: raised inside an import it comes out as some
    other error); while the app runs, it asks the app to exit (the app's own handlers
    take over once it is mounted); while the store drains at the end it is ignored, so
    the drain is not cut short."""

    SIGNALS = (signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.app: Any = None
        self.requested = False
        self.draining = False
        self._before = {sig: signal.getsignal(sig) for sig in self.SIGNALS}
        for sig in self.SIGNALS:
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.draining:
            return
        self.requested = True
        if self.app is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # the app's loop is not running yet: checked before it starts
            loop.call_soon_threadsafe(self.app.exit)

    def stopping(self) -> bool:
        """Whether a signal asked to stop (it may arrive between any two lines)."""
        return self.requested

    def drain(self) -> None:
        """The app is over: from here a signal must not interrupt saving the taps."""
        self.draining = True
        for sig in self.SIGNALS:  # closing the app's loop put back the default (kill)
            signal.signal(sig, self._on_signal)

    def restore(self) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace, config: Config) -> int:
    stop = _StopOnSignal()  # first: importing Textual and opening the store take a while
    try:
        from kiosk.ui.app import KioskApp  # Textual loads only for the UI

        if stop.stopping():
            return 0
        ensure_data_dir(config, from_flag=bool(args.data_dir))
        store = ResponseStore(config.data_dir, tz=config.kiosk.timezone).open_writer()
    finally:
        if stop.stopping() or sys.exc_info()[0] is not None:
            stop.restore()
    if stop.stopping():
        store.close()  # nothing recorded yet
        return 0
    syncing = _start_sync(config, store)
    try:
        app = KioskApp(config, store)
        stop.app = app
        if not stop.stopping():
            app.run()
        return_code = app.return_code or 0
    finally:
        stop.drain()
        if syncing is not None:
            syncing.stop()
        unwritten = store.close()
        if unwritten:
            saved = save_unwritten(unwritten, config.data_dir)
            print(f"kiosk: {len(unwritten)} response(s) could not be written to "
                  f"{config.data_dir}; saved to {saved}", file=sys.stderr)
        stop.restore()
    # Non-zero after a crash, so that the supervisor (Restart=on-failure) restarts it.
    return return_code


def _start_sync(config: Config, store: ResponseStore) -> SyncThread | None:
    """With [sync]: the background push to the fleet database (its own thread and
    connection; a tap only wakes it).  Without: nothing, and psycopg is not loaded."""
    if config.sync is None:
        return None
    from kiosk.fleet.sync import Syncer, SyncThread

    thread = SyncThread(Syncer(config), interval=config.sync.interval_seconds)
    store.add_listener(lambda _response: thread.wake())
    return thread.start()


def export(args: argparse.Namespace, config: Config) -> int:
    from kiosk.data.export import UnreadableDataDir

    store = _open_reader(args, config)
    where = "standard output" if args.out == "-" else args.out
    try:
        if args.out == "-":
            count = _export_to_stdout(args, store)
        else:
            count = _export_to_path(args, store)
            print(f"kiosk: exported {count} response(s) to {args.out}", file=sys.stderr)
    except BrokenPipeError:
        return _closed_pipe()
    except UnreadableDataDir as exc:
        raise UsageError(f"kiosk export: {exc}; {_DAMAGED}") from None
    except OSError as exc:
        raise UsageError(f"kiosk export: cannot write {where} ({exc.strerror or exc})") from None
    _report_damage(store)
    return 0


_DAMAGED = "check the data dir: its responses folder should hold only readable day files"


def _export_to_stdout(args: argparse.Namespace, store: ResponseStore) -> int:
    from kiosk.data.export import day_files_to_export, write_csv

    day_files = day_files_to_export(store, args.since, args.until)
    try:
        count = write_csv(day_files, sys.stdout, bom=args.bom, on_bad=store.note_damage)
        sys.stdout.flush()
    except OSError:  # what is still buffered cannot go either: no second error at exit
        _discard_stdout()
        raise
    return count


def _export_to_path(args: argparse.Namespace, store: ResponseStore) -> int:
    """A regular file (or a new name) is written atomically; a device or a pipe
    (/dev/null, a FIFO) is written in place: there is nothing to replace."""
    import stat

    from kiosk.data.export import day_files_to_export, export_to_file, write_csv

    target = Path(args.out)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    day_files = day_files_to_export(store, args.since, args.until)
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "is a directory", None)
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8", newline="") as out:
            return write_csv(day_files, out, bom=args.bom, on_bad=store.note_damage)
    # Through a symlink the user named: replace the file it points to, keep the link.
    return export_to_file(day_files, Path(os.path.realpath(target)), bom=args.bom,
                          on_bad=store.note_damage, create_dir=False)


BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head -1`


def _closed_pipe() -> int:
    """The reader of our output went away (``| head``): stop quietly, like a CLI killed
    by SIGPIPE would, without Python's "Exception ignored" at exit."""
    _discard_stdout()
    return BROKEN_PIPE


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _io_problem(command: str, exc: OSError) -> str:
    """One line for a file-system failure of a command that writes only to stdout."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None:  # stdout's errors name no file: this is the data dir
        return f"{command}: cannot read {exc.filename} ({reason}); {_DAMAGED}"
    return f"{command}: cannot write standard output ({reason})"


def stats(args: argparse.Namespace, config: Config) -> int:
    from kiosk.data.stats import stats_summary, stats_table

    store = _open_reader(args, config)
    try:
        summary = stats_summary(store, config, args.since, args.until)
        if args.json:
            print(json.dumps(summary.to_json(), ensure_ascii=False))
        else:
            print(stats_table(summary, config, args.since, args.until))
        sys.stdout.flush()
    except BrokenPipeError:
        return _closed_pipe()
    except OSError as exc:
        if exc.filename is None:
            _discard_stdout()
        raise UsageError(_io_problem("kiosk stats", exc)) from None
    _report_damage(store)
    return 0


def _report_damage(store: ResponseStore) -> None:
    for damage in store.damage:
        print(f"kiosk: warning: {damage.describe()}", file=sys.stderr)


def demo(args: argparse.Namespace, config: Config) -> int:
    from kiosk.data.demo import run_demo

    ensure_data_dir(config, from_flag=bool(args.data_dir))
    return run_demo(args, config)


def admin(args: argparse.Namespace, config: Config) -> int:
    if args.fleet:
        from kiosk.ui.screens.fleet import FleetApp

        fleet_app = FleetApp(config, _fleet_url(args, "kiosk admin --fleet"))
        fleet_app.run()
        return fleet_app.return_code or 0
    from kiosk.ui.app import AdminApp

    app = AdminApp(config, _open_reader(args, config))
    app.run()
    return app.return_code or 0


def serve(args: argparse.Namespace, config: Config) -> int:
    from kiosk.web.serve import serve as serve_admin

    fleet_url = _fleet_url(args, "kiosk serve --fleet") if args.fleet else None
    if fleet_url is None:
        _open_reader(args, config)  # says so when there is no data yet
    try:
        serve_admin(Path(args.config), config.data_dir, args.host, args.port, fleet_url)
    except OSError as exc:
        raise UsageError(f"kiosk serve: cannot listen on {args.host}:{args.port} "
                         f"({exc.strerror or exc}); choose another --port or --host") from None
    return 0


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
    except SyncUnavailable as exc:
        print(f"kiosk sync: the fleet database is unreachable ({exc}); "
              "nothing lost, the next run catches up", file=sys.stderr)
        return 1
    finally:
        syncer.close()
    from kiosk.models import local_now

    print(f"kiosk: pushed {result.pushed} response line(s); "
          f"{status_line(config.data_dir, local_now())}", file=sys.stderr)
    return 0


def _fleet_url(args: argparse.Namespace, command: str) -> str:
    from kiosk.config import database_url_problem

    url = args.url or os.environ.get("KIOSK_FLEET_URL")
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
    url = _fleet_url(args, command)
    try:
        with connect(url) as conn:
            if args.fleet_command == "init":
                applied = schema.init_schema(conn)
                print(f"kiosk: fleet schema up to date"
                      f"{' (applied ' + ', '.join(applied) + ')' if applied else ''}",
                      file=sys.stderr)
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


def set_pin(args: argparse.Namespace, config: Config) -> int:
    """Asks twice without echo on a terminal; reads one line when piped."""
    import getpass

    from kiosk.pin import PinError, PinVault, check_pin_format

    ensure_data_dir(config, from_flag=bool(args.data_dir))
    try:
        if sys.stdin.isatty():
            pin = getpass.getpass("New admin PIN (4-12 digits): ")
            check_pin_format(pin)
            if getpass.getpass("Once more: ") != pin:
                raise UsageError("kiosk set-pin: the two PINs differ; nothing changed")
        else:
            pin = sys.stdin.readline().rstrip("\r\n")
        PinVault(config.data_dir).set_pin(pin)
    except PinError as exc:
        raise UsageError(f"kiosk set-pin: {exc}; nothing changed") from None
    except EOFError:
        raise UsageError("kiosk set-pin: no PIN given; nothing changed") from None
    except OSError as exc:
        raise UsageError(f"kiosk set-pin: cannot write the PIN to {config.data_dir} "
                         f"({exc.strerror}); free some space or fix the disk, then try again") from None
    print(f"kiosk: admin PIN set for {config.data_dir} (stored as a salted hash)", file=sys.stderr)
    return 0


def import_(args: argparse.Namespace, config: Config) -> int:
    from kiosk.data.importer import run_import

    ensure_data_dir(config, from_flag=bool(args.data_dir))
    return run_import(args, config)


COMMANDS = {"run": run, "export": export, "stats": stats, "demo": demo, "import": import_,
            "admin": admin, "set-pin": set_pin, "serve": serve, "sync": sync_once}

