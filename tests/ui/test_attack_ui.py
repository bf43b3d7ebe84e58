"""Attacks on the screens as a hostile tester and a real user would make them: wide
characters, scrollbars, clocks in another zone.  Each test failed before its fix."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rich.cells import cell_len
from textual.app import App
from textual.widget import Widget

from kiosk.config import Config
from kiosk.store.response_store import ResponseStore
from kiosk.ui.screens.admin import AdminScreen
from kiosk.ui.screens.export import ExportScreen
from kiosk.ui.widgets.charts import DistributionBars, ReasonBars
from tests.conftest import wait_until
from tests.ui.test_admin_view import TODAY, Host, at, loaded, make_config, row, write


def overflowing_lines(widget: Widget) -> list[str]:
    """Lines of what ``widget`` draws that are wider than the room it has (they wrap)."""
    room = widget.content_region.width
    return [line for line in str(widget.render()).split("\n") if cell_len(line) > room]


def hostile_day(n: int = 200) -> list:
    """Low scores with wide-character reasons, many languages, some flagged taps: enough
    for the details page to need a scrollbar."""
    rows = [row(f"r{i}", at(TODAY, 10, i % 60), 1 + i % 5,
                reason="😀" * 30 if i % 2 else "価格が高すぎる理由", language=f"l{i % 12}")
            for i in range(n)]
    return [replace(r, flagged=(i % 9 == 0)) for i, r in enumerate(rows)]


async def test_reason_bars_with_wide_characters_never_wrap(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write(config, hostile_day())
    app = Host(config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(app)
        bars = screen.query_one(ReasonBars)
        await wait_until(lambda: "%" in str(bars.render()), what="the reasons drawn")
        await pilot.pause()
        assert overflowing_lines(bars) == []


async def test_answer_bars_fit_beside_the_details_scrollbar(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write(config, hostile_day())
    app = Host(config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(app)
        await pilot.press("d")
        bars = next(b for b in screen.query(DistributionBars) if b.parent and
                    b.parent.id == "details")
        details = screen.query_one("#details")
        await wait_until(lambda: details.show_vertical_scrollbar and bars.content_region.width
                         and "%" in str(bars.render()), what="the details page with a scrollbar")
        await wait_until(lambda: overflowing_lines(bars) == [],
                         what="answer bars redrawn to the room beside the scrollbar")


class ClockedHost(App[None]):
    """The admin view over a store whose calendar (zone and clock) is the kiosk's, not
    this process's: here 2030-01-05 12:00 UTC, whatever the wall clock says."""

    CSS_PATH = Host.CSS_PATH

    def __init__(self, config: Config, store: ResponseStore) -> None:
        super().__init__()
        self.config = config
        self.store = store

    def on_mount(self) -> None:
        self.push_screen(AdminScreen(self.config, self.store, poll_seconds=3600))


KIOSK_NOW = datetime(2030, 1, 5, 12, 0, tzinfo=UTC)


async def test_export_today_is_the_kiosks_today_not_the_processs(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    writer = ResponseStore(config.data_dir, tz="UTC", clock=lambda: KIOSK_NOW)
    writer.write_now([row("today-1", KIOSK_NOW.replace(hour=9), 5),
                      row("yesterday-1", KIOSK_NOW.replace(day=4, hour=9), 1)])
    writer.close()
    app = ClockedHost(config, ResponseStore(config.data_dir, tz="UTC", clock=lambda: KIOSK_NOW))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, AdminScreen)
                         and app.screen.dashboard is not None)
        await pilot.press("t", "e")
        await wait_until(lambda: isinstance(app.screen, ExportScreen))
        dialog = app.screen
        assert "20300105" in dialog.query_one("#export-name").value  # the kiosk's date
        dialog.write()
        result = dialog.query_one("#export-result")
        await wait_until(lambda: "written to" in str(result.render()), what="the export")
        assert str(result.render()).startswith("✔ 1 response(s)")
