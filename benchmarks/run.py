"""Reproducible performance run of csat-kiosk on this machine.

    python benchmarks/run.py [--quick | --smoke] [--json FILE] [--tmp DIR]

Every figure is measured in one run, in data dirs under a temporary dir:

- tap -> durable: p50/p99 of ``JournalWriter._write`` (the writer
  thread's synchronous path: TinyDB insert over the journal + fdatasync) and of
  ``record()`` -> listener (through the writer thread), with 1,000 taps
  already today and a history of 0 / 100k / 1M responses; beside it stock
  TinyDB ``JSONStorage``, SQLite (WAL, synchronous=FULL, one commit a tap)
  and a bare append + fdatasync of one line (the physical floor);
- first tap after start: ``record()`` -> durable on a fresh writer whose
  today's file already holds 300k rows (only its tail is read), beside the
  time a whole parse of that file takes (what the first tap used to wait for);
- cold start: process spawn -> SurveyScreen mounted (headless), with 1M stored;
- admin: ``Dashboard(store.day_hours(until=yesterday))`` as the view opens,
  ``dashboard.select("all")`` (all-time refresh), ``dashboard.add(response)``;
- ``kiosk export`` (seconds, peak RSS) and ``kiosk stats --json`` (cold and
  warm summaries) at 1M.

``--quick`` uses 20k history and 200 taps (under a minute); ``--smoke`` is a
tiny run for the test suite.  Figures are printed; ``--json`` also writes them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import scoring  # noqa: E402
from kiosk.config import Config, load_config  # noqa: E402
from kiosk.data.demo import generate  # noqa: E402
from kiosk.models import Response, new_response_id  # noqa: E402
from kiosk.store.localtime import Calendar  # noqa: E402
from kiosk.store.response_store import ResponseStore  # noqa: E402

CONFIG = ROOT / "config.toml"
PER_DAY = 550


@dataclass(frozen=True)
class Sizes:
    histories: tuple[int, ...]  # responses before today
    taps: int                   # measured taps per series
    today: int                  # taps already in today's file
    tinydb: tuple[int, ...]     # stored docs for the stock TinyDB insert
    tinydb_taps: dict[int, int]
    repeats: int                # repeats of the cheap timings (admin, stats)
    first_tap_rows: int = 300_000  # rows in today's file for the first-tap figure


FULL = Sizes((0, 100_000, 1_000_000), 1000, 1000, (1000, 100_000, 1_000_000),
             {1000: 200, 100_000: 5, 1_000_000: 2}, 5)
QUICK = Sizes((0, 20_000), 200, 1000, (1000, 20_000), {1000: 50, 20_000: 5}, 3, 20_000)
SMOKE = Sizes((0, 1_100), 20, 50, (100,), {100: 5}, 1, 2_000)


# -- helpers -------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    """p-th percentile (nearest rank) of values, in the same unit."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 4)


def local_now() -> datetime:
    """Now in the configured zone, as the kiosk stamps a tap."""
    return Calendar(load_config(CONFIG).kiosk.timezone).now()


def tap(config: Config, score: int = 4) -> Response:
    survey = config.survey
    return Response(id=new_response_id(), timestamp=local_now(), kiosk=config.kiosk.id,
                    question=survey.question_id, score=score,
                    label=config.texts().labels[score - 1], language=config.kiosk.language)


def build_data_dir(path: Path, config: Config, history: int, today: int) -> float:
    """``history`` demo responses on the days before today, plus ``today`` taps
    earlier today, through the bulk path.  Returns the seconds it took."""
    started = time.perf_counter()
    store = ResponseStore(path)
    try:
        if history:
            days = max(1, -(-history // PER_DAY))
            yesterday_end = local_now().replace(
                hour=23, minute=59, second=59, microsecond=0) - timedelta(days=1)
            per_day = history // days
            store.write_now(generate(config, days, per_day, seed=1, now=yesterday_end))
        if today:
            now = local_now()
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            span = (now - midnight).total_seconds()
            base = tap(config)
            store.write_now(
                Response(new_response_id(), midnight + timedelta(seconds=span * i / (today + 1)),
                         base.kiosk, base.question, 1 + i % 5,
                         config.texts().labels[i % 5], base.language)
                for i in range(today))
    finally:
        store.close()
    return time.perf_counter() - started


def stored_count(path: Path) -> int:
    return scoring.total(ResponseStore(path).day_hours()).n


# -- tap -> durable --------------------------------------------------------------
# The four contenders take turns, one tap each, so that the disk's moods (a
# writeback, a slow fdatasync) fall on all of them alike.

def bench_taps(path: Path, config: Config, stored: int, taps: int) -> dict[str, list[float]]:
    store = ResponseStore(path).open_writer()
    done = threading.Event()
    arrived: list[float] = []

    def listener(_response: Response) -> None:
        arrived.append(time.perf_counter())
        done.set()

    store.add_listener(listener)
    line = (json.dumps(tap(config).to_doc()) + "\n").encode()
    floor_fd = os.open(path / "floor.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    lite = _sqlite(path, config, stored)
    times: dict[str, list[float]] = {"sync": [], "listener": [], "floor": [], "sqlite": []}
    try:
        for i in range(taps + 1):  # the first round opens files: not counted
            # 1. ours, synchronously: the writer's own path (TinyDB insert over
            #    the journal + fdatasync), called while the writer thread idles.
            response = tap(config)
            started = time.perf_counter()
            store._writer._write(response)  # type: ignore[union-attr]
            sync = time.perf_counter() - started
            # 2. ours, record() -> listener: through the writer thread.
            done.clear()
            response = tap(config)
            started = time.perf_counter()
            store.record(response)
            if not done.wait(10):
                raise RuntimeError(f"writer did not report a tap: {store.last_error}")
            via_thread = arrived[-1] - started
            # 3. the floor: one line appended + fdatasync.
            started = time.perf_counter()
            os.write(floor_fd, line)
            os.fdatasync(floor_fd)
            floor = time.perf_counter() - started
            # 4. SQLite, WAL, synchronous=FULL, one commit.
            values = _sqlite_row(tap(config))
            started = time.perf_counter()
            lite.execute("BEGIN")
            lite.execute(SQLITE_INSERT, values)
            lite.execute("COMMIT")
            sqlite_time = time.perf_counter() - started
            if i:
                times["sync"].append(sync)
                times["listener"].append(via_thread)
                times["floor"].append(floor)
                times["sqlite"].append(sqlite_time)
        return times
    finally:
        os.close(floor_fd)
        lite.close()
        store.close()
        (path / "floor.jsonl").unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (path / f"responses.sqlite{suffix}").unlink(missing_ok=True)


def bench_first_tap(path: Path, config: Config, rows: int) -> dict[str, Any]:
    """The first tap of a restarted kiosk whose today's file holds ``rows``."""
    from kiosk.store.storage import JournalDB, JournalStorage
    from kiosk.store.writer import valid_doc

    build_data_dir(path, config, 0, rows)
    os.sync()
    store = ResponseStore(path).open_writer()
    try:
        started = time.perf_counter()
        if not store.record(tap(config)).wait(60):
            raise RuntimeError(f"first tap not durable: {store.last_error}")
        first = time.perf_counter() - started
    finally:
        store.close()
    started = time.perf_counter()
    db = JournalDB(store.day_path(local_now().date()), storage=JournalStorage,
                   valid_doc=valid_doc)
    db.table("responses").insert(tap(config).to_doc())
    whole = time.perf_counter() - started
    db.close()
    return {"first_tap_rows": rows, "first_tap_ms": ms(first), "whole_open_s": round(whole, 3)}


SQLITE_INSERT = "INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _sqlite_row(r: Response) -> tuple:
    return (r.id, r.timestamp.isoformat(), r.kiosk, r.question, r.score, r.label,
            r.language, int(r.flagged))


def _sqlite(path: Path, config: Config, stored: int) -> sqlite3.Connection:
    """SQLite with ``stored`` rows, WAL, synchronous=FULL, autocommit off."""
    db = sqlite3.connect(path / "responses.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, timestamp TEXT,"
               " kiosk TEXT, question TEXT, score INTEGER, label TEXT, language TEXT,"
               " flagged INTEGER)")
    if stored:
        db.execute("BEGIN")
        db.executemany(SQLITE_INSERT, (_sqlite_row(r) for r in _bulk_responses(config, stored)))
        db.execute("COMMIT")
    return db


def _bulk_responses(config: Config, count: int):
    days = max(1, -(-count // PER_DAY))
    return generate(config, days, count // days, seed=2)


def bench_tinydb_stock(path: Path, config: Config, stored: int, taps: int
                       ) -> tuple[list[float], float]:
    """Stock TinyDB (JSONStorage, no fsync at all): insert one document.
    Returns (insert times, seconds to open the database)."""
    from tinydb import TinyDB

    file = path / f"stock-{stored}.json"
    docs = {str(i + 1): r.to_doc() for i, r in enumerate(_bulk_responses(config, stored))}
    file.write_text(json.dumps({"_default": docs}))
    del docs
    started = time.perf_counter()
    db = TinyDB(file)
    db.table("_default").all()  # opening = first read of the table
    opened = time.perf_counter() - started
    times = []
    try:
        for _ in range(taps):
            doc = tap(config).to_doc()
            started = time.perf_counter()
            db.insert(doc)
            times.append(time.perf_counter() - started)
    finally:
        db.close()
        file.unlink()
    return times, opened


# -- cold start ------------------------------------------------------------------
COLD_START = r"""
import json, resource, sys, time
from kiosk.config import ensure_data_dir, load_config
from kiosk.store.response_store import ResponseStore
import kiosk.ui.app as app_module
from kiosk.ui.screens.survey import SurveyScreen

config = load_config(sys.argv[1], sys.argv[2])
ensure_data_dir(config, from_flag=True)
store = ResponseStore(config.data_dir).open_writer()   # as `kiosk run` does


from pathlib import Path
_css = app_module.KioskApp.CSS_PATH
_here = Path(app_module.__file__).parent
class Probe(app_module.KioskApp):
    # CSS paths are relative to the class's file: keep the kiosk's own.
    CSS_PATH = ([_here / p for p in _css] if isinstance(_css, (list, tuple))
                else _here / _css if _css else None)

    def on_mount(self):  # KioskApp.on_mount runs too (Textual walks the MRO)
        self.set_interval(0.002, self._check)

    def _check(self):
        if isinstance(self.screen, SurveyScreen) and self.screen.is_mounted:
            print("ready", flush=True)
            self.exit()


try:
    Probe(config, store).run(headless=True, size=(100, 30))
finally:
    store.close()
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(json.dumps({"hwm_kb": int(hwm[0].split()[1]) if hwm else 0}), flush=True)
"""


def _hwm_kb(pid: int | str) -> int | None:
    """VmHWM (peak RSS) of a process.  Not ru_maxrss: a forked child starts
    with its parent's high-water mark, which would report this benchmark's
    own memory."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _descendants(pid: int) -> list[int]:
    """The processes a process started (export's worker processes), recursively."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    except (OSError, ValueError):
        pass
    return found


def run_child(argv: list[str], ready: bytes | None = None) -> tuple[float, float, int, str]:
    """Run a child; returns (seconds to ``ready`` line or to exit, seconds to
    exit, peak RSS in KB, stdout).  Peak RSS: VmHWM polled every 50 ms, summed
    over the child and the processes it starts (an upper bound: their peaks
    need not coincide)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    peaks: dict[int, int] = {}
    peak = [0]
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for pid in [child.pid, *_descendants(child.pid)]:
                value = _hwm_kb(pid)
                if value is not None:
                    peaks[pid] = max(peaks.get(pid, 0), value)
            peak[0] = sum(peaks.values())
            # VmHWM is a high-water mark: a slow poll still catches every peak of
            # processes that live as long as the run; a fast one steals a core.
            stop.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    out = b""
    marked = None
    assert child.stdout is not None
    if ready is not None:
        for line in child.stdout:
            out += line
            if line.strip() == ready:
                marked = time.perf_counter() - started
                break
    out += child.stdout.read()
    err = child.stderr.read() if child.stderr else b""
    # The child has closed its pipes: it is exiting.  Reap it with WNOWAIT
    # first, so its /proc entry (and VmHWM) can still be read once more.
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    ended = time.perf_counter() - started
    stop.set()
    poller.join()
    _pid, status, _usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed ({child.returncode}): {err.decode()[-2000:]}")
    return (marked if marked is not None else ended), ended, peak[0], out.decode()


def bench_cold_start(path: Path, repeats: int) -> dict[str, Any]:
    starts, rss = [], []
    for _ in range(repeats):
        ready, _ended, peak, out = run_child(
            [sys.executable, "-c", COLD_START, str(CONFIG), str(path)], ready=b"ready")
        starts.append(ready)
        reported = json.loads(out.strip().splitlines()[-1]).get("hwm_kb", 0)
        rss.append(max(peak, reported))
    return {"start_s": round(statistics.median(starts), 3), "start_first_s": round(starts[0], 3),
            "kiosk_rss_mb": round(max(rss) / 1024, 1)}


# -- admin refresh ---------------------------------------------------------------
def bench_admin(path: Path, config: Config, repeats: int) -> dict[str, Any]:
    """As the admin screen does it: ``Dashboard(store.day_hours(until=yesterday))``
    once when the view opens, ``select("all")`` for the all-time refresh,
    ``add(response)`` per live tap."""
    from kiosk.views.dashboard import Dashboard

    threshold, minimum = config.survey.satisfied_threshold, config.admin.min_responses
    ResponseStore(path).day_hours()  # summaries.json up to date (warm cache)
    yesterday = local_now().date() - timedelta(days=1)
    opens, loads, dashboard = [], [], None
    for _ in range(repeats):
        store = ResponseStore(path)  # a fresh store, as when the view opens
        started = time.perf_counter()
        days = store.day_hours(until=yesterday)
        loaded = time.perf_counter()
        dashboard = Dashboard(days, threshold=threshold, min_responses=minimum)
        opens.append(time.perf_counter() - started)
        loads.append(loaded - started)
    assert dashboard is not None
    refresh = []
    for _ in range(max(5, repeats)):
        started = time.perf_counter()
        dashboard.select("all")
        refresh.append(time.perf_counter() - started)
    live = []
    for i in range(200):
        response = tap(config, 1 + i % 5)
        started = time.perf_counter()
        dashboard.add(response)
        live.append(time.perf_counter() - started)
    return {"admin_open_ms": ms(statistics.median(opens)),
            "admin_open_day_hours_ms": ms(statistics.median(loads)),
            "admin_refresh_ms": ms(statistics.median(refresh)),
            "live_update_ms": ms(statistics.median(live)),
            "live_update_p99_ms": ms(pct(live, 99))}


# -- export / stats ---------------------------------------------------------------
def kiosk_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk", *args, "--config", str(CONFIG)]


def bench_export(path: Path, out: Path) -> dict[str, Any]:
    _r, seconds, peak, _out = run_child(kiosk_cli("export", "--data-dir", str(path),
                                                  "--out", str(out)))
    rows = sum(1 for _ in open(out, "rb")) - 1
    out.unlink()
    return {"export_s": round(seconds, 3), "export_peak_rss_mb": round(peak / 1024, 1),
            "export_rows": rows}


def bench_stats(path: Path, repeats: int) -> dict[str, Any]:
    argv = kiosk_cli("stats", "--json", "--data-dir", str(path))
    (path / "summaries.json").unlink(missing_ok=True)
    _r, cold, cold_rss, _out = run_child(argv)
    warm = [run_child(argv)[1] for _ in range(repeats)]
    _r, bare, _rss, _out = run_child([sys.executable, "-c", "import kiosk.cli, kiosk.data.stats"])
    return {"stats_cold_s": round(cold, 3), "stats_s": round(statistics.median(warm), 3),
            "stats_import_only_s": round(bare, 3), "stats_cold_rss_mb": round(cold_rss / 1024, 1)}


# -- the run -----------------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "date": datetime.now().astimezone().isoformat(
                timespec="seconds")}


def label(count: int) -> str:
    return f"{count // 1_000_000}m" if count >= 1_000_000 and count % 1_000_000 == 0 else (
        f"{count // 1000}k" if count >= 1000 else str(count))


def run(sizes: Sizes, tmp: Path | None = None, log=print) -> dict[str, Any]:
    config = load_config(CONFIG)
    results: dict[str, Any] = {"machine": machine(), "sizes": {
        "histories": list(sizes.histories), "taps": sizes.taps, "today": sizes.today}}
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-", dir=tmp) as base_name:
        base = Path(base_name)
        biggest = None
        for history in sizes.histories:
            name = label(history)
            path = base / f"h{name}"
            built = build_data_dir(path, config, history, sizes.today)
            stored = stored_count(path)
            os.sync()  # the build's writeback is not the taps' business
            log(f"history {name}: {stored} stored (built in {built:.1f} s)")
            results[f"build_{name}_s"] = round(built, 2)
            results[f"stored_{name}"] = stored
            measured = bench_taps(path, config, history + sizes.today, sizes.taps)
            sync, listener = measured["sync"], measured["listener"]
            floor, lite = measured["floor"], measured["sqlite"]
            row = {"tap_p50_ms": ms(pct(sync, 50)), "tap_p99_ms": ms(pct(sync, 99)),
                   "listener_p50_ms": ms(pct(listener, 50)),
                   "listener_p99_ms": ms(pct(listener, 99)),
                   "floor_p50_ms": ms(pct(floor, 50)), "floor_p99_ms": ms(pct(floor, 99)),
                   "sqlite_p50_ms": ms(pct(lite, 50)), "sqlite_p99_ms": ms(pct(lite, 99))}
            row["ratio_p50"] = round(row["tap_p50_ms"] / row["floor_p50_ms"], 2)
            row["ratio_p99"] = round(row["tap_p99_ms"] / row["floor_p99_ms"], 2)
            for key, value in row.items():
                results[f"{key}_h{name}"] = value
            log(f"  tap (sync) p50 {row['tap_p50_ms']:.3f} ms p99 {row['tap_p99_ms']:.3f} ms | "
                f"record->listener p50 {row['listener_p50_ms']:.3f} p99 "
                f"{row['listener_p99_ms']:.3f} | floor p50 {row['floor_p50_ms']:.3f} p99 "
                f"{row['floor_p99_ms']:.3f} | sqlite p50 {row['sqlite_p50_ms']:.3f} p99 "
                f"{row['sqlite_p99_ms']:.3f} | ours/floor p50 {row['ratio_p50']} "
                f"p99 {row['ratio_p99']}")
            biggest = (name, path, row)
        assert biggest is not None
        name, path, row = biggest
        results.update(row)  # headline tap figures: at the biggest history
        results["headline_history"] = results[f"stored_{name}"]

        for stored in sizes.tinydb:
            taps = sizes.tinydb_taps[stored]
            times, opened = bench_tinydb_stock(base, config, stored, taps)
            key = label(stored)
            results[f"tinydb_stock_{key}_ms"] = ms(statistics.median(times))
            results[f"tinydb_stock_{key}_open_s"] = round(opened, 3)
            log(f"stock TinyDB insert at {stored}: median {ms(statistics.median(times)):.2f} ms"
                f" over {taps} (open {opened:.2f} s; no fsync at all)")
        if "tinydb_stock_100k_ms" not in results:  # quick/smoke: the biggest measured
            largest = label(max(sizes.tinydb))
            results["tinydb_stock_100k_ms"] = results[f"tinydb_stock_{largest}_ms"]
            results["tinydb_stock_100k_note"] = f"measured at {largest}, not 100k"

        first = bench_first_tap(base / "first-tap", config, sizes.first_tap_rows)
        results.update(first)
        log(f"first tap after start with {first['first_tap_rows']} rows today: "
            f"{first['first_tap_ms']:.2f} ms (a whole open + insert of that file: "
            f"{first['whole_open_s']:.2f} s)")
        results.update(bench_cold_start(path, max(1, sizes.repeats)))
        log(f"cold start to survey: {results['start_s']:.3f} s (first {results['start_first_s']}"
            f" s), kiosk peak RSS {results['kiosk_rss_mb']} MB")
        results.update(bench_admin(path, config, sizes.repeats))
        log("admin open: {admin_open_ms:.1f} ms (day_hours {admin_open_day_hours_ms:.1f} ms); "
            "all-time refresh (select('all')) {admin_refresh_ms:.1f} ms; live update "
            "(add) {live_update_ms:.3f} ms, p99 {live_update_p99_ms:.3f} ms".format(**results))
        export = bench_export(path, base / "export.csv")
        results.update({"export_1m_s": export["export_s"],
                        "export_peak_rss_mb": export["export_peak_rss_mb"],
                        "export_rows": export["export_rows"]})
        log(f"export of {export['export_rows']} rows: {export['export_s']:.2f} s, "
            f"peak RSS {export['export_peak_rss_mb']} MB")
        stats = bench_stats(path, sizes.repeats)
        results.update(stats)
        results["stats_1m_s"] = stats["stats_s"]
        log(f"stats --json: cold summaries {stats['stats_cold_s']:.2f} s, warm "
            f"{stats['stats_s']:.3f} s (python + imports alone {stats['stats_import_only_s']:.3f} s)")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="20k history, 200 taps (< 1 min)")
    size.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--tmp", metavar="DIR", help="where the temporary data dirs go")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
    results = run(sizes, Path(args.tmp) if args.tmp else None)
    results["mode"] = "smoke" if args.smoke else "quick" if args.quick else "full"
    results["command"] = " ".join(["python", "benchmarks/run.py", *(argv or sys.argv[1:])])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
