"""How long the admin view blocks the event loop with hostile data (issue 13, point 11).

    python benchmarks/admin_redraw.py [--distinct 100000] [--days 10]

A data dir gets ``--distinct`` answers, each with its own language code and its own
reason (as a hostile CSV import would bring), spread over ``--days`` days before today
plus a tenth of them today. The admin view is opened headless (120x36) and switched
through every period and page; a ticker task measures how late the event loop runs
it (the longest block is what a customer tap on the same loop would wait), and every
``show()`` redraw is timed. Figures are printed.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from textual.app import App  # noqa: E402

from kiosk.config import AdminConfig, Config, KioskConfig  # noqa: E402
from kiosk.models import Response  # noqa: E402
from kiosk.store.response_store import ResponseStore  # noqa: E402
from kiosk.ui.screens.admin import AdminScreen  # noqa: E402


def fill(data: Path, distinct: int, days: int) -> None:
    today = date.today()
    rows = []
    for i in range(distinct + distinct // 10):
        back = 1 + i % days if i < distinct else 0
        day = today - timedelta(days=back)
        when = datetime(day.year, day.month, day.day, 9 + i % 10, i % 60).astimezone()
        rows.append(Response(id=f"h{i}", timestamp=when, kiosk="k", question="q",
                             score=1 + i % 5, label="x", language=f"x-{i}",
                             reason=f"reason {i}" if i % 5 < 2 else None))
    rows.sort(key=lambda r: r.timestamp)  # one append per day file
    writer = ResponseStore(data)
    writer.write_now(rows)
    writer.close()


class Host(App[None]):
    CSS_PATH = str(ROOT / "kiosk" / "kiosk.tcss")

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def on_mount(self) -> None:
        self.push_screen(AdminScreen(self.config, ResponseStore(self.config.data_dir)))


async def measure(config: Config) -> dict[str, float]:
    app = Host(config)
    lateness: list[float] = []
    redraws: list[float] = []
    stop = False
    step = "open"
    blocks: list[tuple[int, str]] = []  # (ms, what the view was doing) over 50 ms

    async def ticker() -> None:
        while not stop:
            start = time.perf_counter()
            await asyncio.sleep(0.002)
            lateness.append(time.perf_counter() - start - 0.002)
            if lateness[-1] > 0.05:
                blocks.append((round(1000 * lateness[-1]), step))

    async with app.run_test(size=(120, 36)) as pilot:
        while not (isinstance(app.screen, AdminScreen) and app.screen.dashboard is not None):
            await pilot.pause(0.01)
        admin = app.screen
        original = admin.show

        def timed_show(figures):  # the redraw, timed
            start = time.perf_counter()
            original(figures)
            redraws.append(time.perf_counter() - start)

        admin.show = timed_show  # type: ignore[method-assign]
        task = asyncio.create_task(ticker())
        for key in "twmaohdamw":
            step = f"key {key}"
            await pilot.press(key)
            await pilot.pause(0.3)
        step = "polling"
        for _ in range(6):  # live polling with nothing new
            await pilot.pause(0.5)
        stop = True
        await task
    print("blocks over 50 ms:", blocks or "none")
    return {"worst loop block ms": 1000 * max(lateness),
            "p99 loop block ms": 1000 * statistics.quantiles(lateness, n=100)[98],
            "worst redraw ms": 1000 * max(redraws),
            "median redraw ms": 1000 * statistics.median(redraws),
            "redraws": len(redraws)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distinct", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(path=Path(tmp) / "c.toml",
                        kiosk=KioskConfig(id="bench", data_dir=Path(tmp) / "d"),
                        admin=AdminConfig(export_dir=Path(tmp) / "e"))
        start = time.perf_counter()
        fill(config.data_dir, args.distinct, args.days)
        print(f"filled {args.distinct:,} distinct languages and reasons "
              f"(+{args.distinct // 10:,} today) in {time.perf_counter() - start:.1f} s")
        for name, value in asyncio.run(measure(config)).items():
            print(f"{name:>22}: {value:,.1f}")


if __name__ == "__main__":
    main()
