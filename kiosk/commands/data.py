"""`kiosk export`, `stats`, `demo` and `import`: data in and out of a data dir, headless."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kiosk.commands import UsageError
from kiosk.config import Config, check_data_dir, ensure_data_dir
from kiosk.store.response_store import ResponseStore


def open_reader(args: argparse.Namespace, config: Config) -> ResponseStore:
    check_data_dir(config, from_flag=bool(args.data_dir))
    if not config.data_dir.is_dir():
        print(f"kiosk: no responses yet: {config.data_dir} does not exist "
              "(has the kiosk run with this config?)", file=sys.stderr)
    return ResponseStore(config.data_dir, tz=config.kiosk.timezone)


def export(args: argparse.Namespace, config: Config) -> int:
    from kiosk.data.export import UnreadableDataDir

    store = open_reader(args, config)
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

    store = open_reader(args, config)
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


def import_(args: argparse.Namespace, config: Config) -> int:
    from kiosk.data.importer import run_import

    ensure_data_dir(config, from_flag=bool(args.data_dir))
    return run_import(args, config)
