"""Crash harness: a child records taps as fast as it can and prints every id once it
is durable; the parent SIGKILLs it at random instants, reopens the store and checks
that every acknowledged tap is there and that the store reads cleanly.

    python tests/crash_harness.py            # 50 kills (what CI runs through pytest)
    python tests/crash_harness.py --full     # 500 kills
    python tests/crash_harness.py --kills 200 --seed 7
"""
from __future__ import annotations

import argparse
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys
from kiosk.models import Response, local_now, new_response_id
from kiosk.store.response_store import ResponseStore

store = ResponseStore(sys.argv[1]).open_writer()
store.add_listener(lambda r: print(r.id, flush=True))
i = 0
while True:
    store.record(Response(id=new_response_id(), timestamp=local_now(), kiosk="crash",
                          question="q", score=i % 5 + 1, label="x", language="en"))
    i += 1
    if i % 20 == 0:
        store.wait_idle()  # keep the queue short: acknowledged taps keep flowing
"""


@dataclass
class Report:
    kills: int = 0
    acknowledged: int = 0
    stored: int = 0
    repairs: int = 0
    lost: int = 0


def kill_once(data_dir: Path, rng: random.Random, report: Report) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    acknowledged: list[str] = []
    buffer = b""
    deadline = None
    stdout = child.stdout.fileno()
    try:
        while True:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            ready, _, _ = select.select([stdout], [], [], 0.005)
            if ready:
                chunk = os.read(stdout, 65536)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                acknowledged += [line.decode() for line in lines]
                if deadline is None and acknowledged:
                    # a random instant, somewhere in the stream of writes
                    deadline = time.monotonic() + rng.uniform(0.0, 0.06)
            if child.poll() is not None:
                raise AssertionError(f"the child died by itself (exit {child.returncode})")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    # Everything it printed before dying was durable when printed.
    report.kills += 1
    report.acknowledged += len(acknowledged)
    check_store(data_dir, acknowledged, report)


def check_store(data_dir: Path, acknowledged: list[str], report: Report) -> None:
    from kiosk.store.response_store import ResponseStore

    writer = ResponseStore(data_dir).open_writer()  # repairs a torn tail, like a restart
    report.repairs += len(writer.damage)
    ids = {response.id for response in ResponseStore(data_dir).iter_responses()}
    missing = [rid for rid in acknowledged if rid not in ids]
    report.lost += len(missing)
    report.stored = len(ids)
    writer.close()
    if missing:
        raise AssertionError(f"kill {report.kills}: {len(missing)} acknowledged tap(s) lost, "
                             f"e.g. {missing[0]}")


def run(kills: int, seed: int = 1, data_dir: Path | None = None) -> Report:
    rng = random.Random(seed)
    report = Report()
    with tempfile.TemporaryDirectory() as scratch:
        target = data_dir or Path(scratch) / "data"
        for _ in range(kills):
            kill_once(target, rng, report)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="500 kills")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    kills = 500 if args.full else args.kills
    started = time.monotonic()
    report = run(kills, args.seed)
    print(f"{report.kills} kills, {report.acknowledged} acknowledged taps, {report.stored} stored, "
          f"{report.repairs} torn tail(s) moved aside, {report.lost} lost "
          f"({time.monotonic() - started:.0f} s)")
    return 1 if report.lost else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
