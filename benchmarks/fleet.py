"""Fleet scale on this machine: a throwaway PostgreSQL (tests/fleet/fleet_pg.py, fsync on).

    python benchmarks/fleet.py [--kiosks 500] [--seconds 30] [--rows 10000000] [--quick]

1. ``--kiosks`` simulated kiosks sync concurrently (threads of this process),
   each with its own data dir, journal, login role (RLS on) and connection: a
   kiosk appends taps to its journal (fsync) and runs a sync pass
   (kiosk/fleet/sync.py), for ``--seconds``.  Paced: one tap every ~``--tap-every``
   s per kiosk (a busy chain); saturated: bursts of ``--burst`` taps back to
   back.  Printed: sustained rows/s into the database and the sync lag of every
   tap (journal write -> committed), p50 / p99 / max.
2. The fleet view's refresh (``fleet_figures``: every site, the chain, trends)
   with ``--rows`` responses in ``fleet.responses`` (a year), made with
   generate_series and tallied in one grouped pass (see TALLY_SQL).
3. A kiosk back after 30 days offline: 30,000 answers in 30 day files,
   caught up by one ``Syncer.run_once()``.

``--quick``: 50 kiosks, 10 s, 1M rows.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fleet_pg import PgCluster, responses  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.fleet.figures import fleet_figures  # noqa: E402
from kiosk.fleet.schema import add_kiosk, init_schema  # noqa: E402
from kiosk.fleet.sync import Syncer  # noqa: E402
from kiosk.models import local_now  # noqa: E402
from kiosk.store.response_store import ResponseStore  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def make_kiosk(cluster: PgCluster, url: str, root: Path, kiosk_id: str, conn) -> Path:
    credentials = add_kiosk(conn, kiosk_id)
    folder = root / kiosk_id
    folder.mkdir(parents=True)
    secret = folder / "pw"
    secret.write_text(credentials.password)
    secret.chmod(0o600)
    database = url.rsplit("/", 1)[1]
    config = folder / "config.toml"
    config.write_text(f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "data"\n[sync]\n'
                      f'url = "{cluster.url(user=credentials.role, database=database)}"\n'
                      'password_file = "pw"\n')
    return config


def concurrent_kiosks(cluster: PgCluster, url: str, root: Path, count: int, seconds: float,
                      burst: int, tap_every: float = 0.0, prefix: str = "site") -> None:
    import psycopg

    with psycopg.connect(url, password=cluster.password, autocommit=True) as conn:
        configs = [load_config(make_kiosk(cluster, url, root, f"{prefix}-{i:04d}", conn))
                   for i in range(count)]
    lags: list[float] = []
    rows = [0]
    lock = threading.Lock()
    start_gate = threading.Barrier(count + 1)
    stop_at = [0.0]
    errors: list[str] = []

    def kiosk(config, seed: int) -> None:
        syncer = Syncer(config)
        store = ResponseStore(config.data_dir)
        template = responses(config.kiosk.id, burst, seed=seed)
        mine: list[float] = []
        pushed = 0
        pause = threading.Event()
        rng = random.Random(seed)
        try:
            syncer.run_once()  # connect before the clock starts
            start_gate.wait()
            if tap_every:  # spread the kiosks over the first interval
                pause.wait(rng.uniform(0, tap_every))
            while time.monotonic() < stop_at[0]:
                next_tap = time.monotonic() + (rng.uniform(0.5, 1.5) * tap_every)
                now = local_now()
                batch = [replace(r, id=f"{config.kiosk.id}-{pushed + i}", timestamp=now)
                         for i, r in enumerate(template)]
                store.write_now(batch)
                written = time.monotonic()
                pushed += syncer.run_once().pushed
                done = time.monotonic()
                mine.extend([done - written] * len(batch))
                if tap_every:
                    pause.wait(max(0.0, next_tap - time.monotonic()))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{config.kiosk.id}: {type(exc).__name__}: {exc}")
            start_gate.abort()
        finally:
            store.close()
            syncer.close()
        with lock:
            lags.extend(mine)
            rows[0] += pushed

    threads = [threading.Thread(target=kiosk, args=(config, i)) for i, config in
               enumerate(configs)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds + 1.0
    began = time.monotonic()
    try:
        start_gate.wait()
    except threading.BrokenBarrierError:
        pass
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    pace = (f"a burst of {burst} taps every ~{tap_every:g} s" if tap_every else
            f"bursts of {burst} taps back to back")
    print(f"{count} kiosks syncing concurrently for {elapsed:.1f} s ({pace}, one pass each):")
    print(f"  sustained         {rows[0] / elapsed:,.0f} rows/s ({rows[0]:,} rows)")
    if lags:
        print(f"  sync lag          p50 {_pct(lags, 0.5) * 1000:.0f} ms, "
              f"p99 {_pct(lags, 0.99) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms")
    if errors:
        print(f"  ERRORS ({len(errors)}): {errors[0]}")


GENERATE_SQL = """
INSERT INTO fleet.responses (id, kiosk_id, ts, local_day, local_hour, question, score, label,
                             language, flagged, reason, nps)
SELECT 'gen-' || g, 'site-' || lpad((g %% %(kiosks)s)::text, 4, '0'),
       %(first)s::date + (g / %(per_day)s)::int + ((8 + g %% 12) || ' hours')::interval,
       %(first)s::date + (g / %(per_day)s)::int, 8 + g %% 12, 'visit-satisfaction',
       s, 'label', (ARRAY['en','fr','nl'])[1 + g %% 3], g %% 50 = 0,
       CASE WHEN s <= 2 AND g %% 2 = 0 THEN 'waiting' END,
       CASE WHEN g %% 3 = 0 THEN (g %% 11)::smallint END
FROM (SELECT g, (1 + (hashint4(g::int) & 2147483647) %% 100 / 20)::smallint AS s
      FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS g) AS gen
"""


_SUMS = ", ".join([f"count(*) FILTER (WHERE score = {i} AND NOT flagged)" for i in range(1, 6)]
                  + [f"count(*) FILTER (WHERE score = {i} AND flagged)" for i in range(1, 6)])
_COLS = "s1, s2, s3, s4, s5, f1, f2, f3, f4, f5"
TALLY_SQL = [
    "DELETE FROM fleet.hour_tallies", "DELETE FROM fleet.day_tallies",
    "DELETE FROM fleet.kiosk_totals",
    f"INSERT INTO fleet.hour_tallies (kiosk_id, local_day, local_hour, {_COLS}) "
    f"SELECT kiosk_id, local_day, local_hour, {_SUMS} FROM fleet.responses GROUP BY 1, 2, 3",
    f"INSERT INTO fleet.day_tallies (kiosk_id, local_day, {_COLS}) "
    f"SELECT kiosk_id, local_day, {_SUMS} FROM fleet.responses GROUP BY 1, 2",
    f"INSERT INTO fleet.kiosk_totals (kiosk_id, {_COLS}) "
    f"SELECT kiosk_id, {_SUMS} FROM fleet.responses GROUP BY 1",
]


def fleet_view_at_scale(cluster: PgCluster, url: str, rows: int, kiosks: int) -> None:
    import psycopg

    with psycopg.connect(url, password=cluster.password, autocommit=True) as conn:
        known = {r[0] for r in conn.execute("SELECT kiosk_id FROM fleet.kiosks")}
        with conn.transaction():
            for i in range(kiosks):
                if f"site-{i:04d}" not in known:
                    conn.execute("INSERT INTO fleet.kiosks VALUES (%s, %s)",
                                 (f"site-{i:04d}", f"bench_site_{i:04d}"))
        per_day = max(1, rows // 365)  # a year of history
        first = date.today() - timedelta(days=365)
        began = time.monotonic()
        step = 1_000_000
        # The rows go in with the triggers off (session_replication_role), then the
        # tallies are built from them in one grouped pass each: the same numbers the
        # triggers keep (tests check that), made in minutes instead of a quarter hour.
        conn.execute("SET session_replication_role = replica")
        for low in range(0, rows, step):
            conn.execute(GENERATE_SQL, {"kiosks": kiosks, "per_day": per_day, "first": first,
                                        "low": low, "high": min(rows, low + step) - 1})
        conn.execute("SET session_replication_role = DEFAULT")
        with conn.transaction():
            for statement in TALLY_SQL:
                conn.execute(statement)
        loaded = time.monotonic() - began
        conn.execute("VACUUM ANALYZE fleet.day_tallies")
        total = conn.execute("SELECT count(*) FROM fleet.responses").fetchone()[0]
        tally_rows = conn.execute("SELECT count(*) FROM fleet.day_tallies").fetchone()[0]
        times = []
        for _ in range(30):
            start = time.perf_counter()
            figures = fleet_figures(conn, date.today())
            times.append(time.perf_counter() - start)
    print(f"fleet view refresh at {total:,} responses ({len(figures.sites)} sites, "
          f"{tally_rows:,} day-tally rows; generated and tallied in {loaded:.0f} s):")
    print(f"  refresh           median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms (30 runs; target <= 100 ms)")


def offline_catch_up(cluster: PgCluster, url: str, root: Path) -> None:
    import psycopg

    with psycopg.connect(url, password=cluster.password, autocommit=True) as conn:
        config = load_config(make_kiosk(cluster, url, root, "back-after-30-days", conn))
    store = ResponseStore(config.data_dir)
    store.write_now(responses(config.kiosk.id, 30_000, per_day=1000,
                              start=datetime(2026, 10, 1, 8, 0).astimezone()))
    store.close()
    syncer = Syncer(config)
    start = time.perf_counter()
    result = syncer.run_once()
    elapsed = time.perf_counter() - start
    syncer.close()
    print(f"30 days offline: {result.pushed:,} answers in {result.chunks} transactions "
          f"caught up in {elapsed:.2f} s (target <= 10 s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--burst", type=int, default=20, help="taps per kiosk between passes")
    parser.add_argument("--tap-every", type=float, default=5.0,
                        help="the paced run: each kiosk taps once every ~N s (0: skip it)")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip", default="", help="comma list of: kiosks,view,offline")
    args = parser.parse_args()
    if args.quick:
        args.kiosks, args.seconds, args.rows = 50, 10.0, 1_000_000
    skip = set(filter(None, args.skip.split(",")))
    cluster = PgCluster(settings={"fsync": "on", "max_connections": str(args.kiosks + 50),
                                  "shared_buffers": "512MB"})
    root = Path(tempfile.mkdtemp(prefix="kiosk-fleet-bench-"))
    try:
        url = cluster.create_database("fleet")
        import psycopg

        with psycopg.connect(url, password=cluster.password, autocommit=True) as conn:
            init_schema(conn)
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"PostgreSQL {version} (fsync on), {os.cpu_count()} CPUs, Python "
              f"{sys.version.split()[0]}; server, kiosks and generator share this machine")
        if "offline" not in skip:
            offline_catch_up(cluster, url, root)
        if "kiosks" not in skip:
            if args.tap_every:
                concurrent_kiosks(cluster, url, root, args.kiosks, args.seconds, 1,
                                  tap_every=args.tap_every, prefix="paced")
            concurrent_kiosks(cluster, url, root, args.kiosks, args.seconds, args.burst)
        if "view" not in skip:
            fleet_view_at_scale(cluster, url, args.rows, args.kiosks)
    finally:
        cluster.destroy()
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
