"""The admin view as a manager reads it: words, honest verdicts, colours on the shown
figure, charts, layouts at 80x24 and 200x60, hostile text, the export dialog and the
idle lock."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Button

from kiosk.config import AdminConfig, Config, KioskConfig
from kiosk.models import Response
from kiosk.store.response_store import ResponseStore
from kiosk.ui.screens.admin import TOP_LANGUAGES, TOP_REASONS, AdminScreen
from kiosk.ui.screens.export import ExportScreen
from kiosk.ui.widgets.charts import BELOW_TARGET, ON_TARGET, SMALL_SAMPLE, HeatMap, TrendChart
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 20)  # a Friday; every test runs on this day at 15:xx, whatever the clock


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute).astimezone()


def row(rid: str, when: datetime, score: int, reason: str | None = None,
        language: str = "en") -> Response:
    return Response(id=rid, timestamp=when, kiosk="k", question="q", score=score, label="x",
                    language=language, reason=reason)


def make_config(tmp_path: Path, **admin: object) -> Config:
    return Config(path=tmp_path / "c.toml",
                  kiosk=KioskConfig(id="shop-1", data_dir=tmp_path / "d"),
                  admin=replace(AdminConfig(export_dir=tmp_path / "exports"), **admin))


def write(config: Config, rows: list[Response]) -> None:
    writer = ResponseStore(config.data_dir)
    writer.write_now(rows)
    writer.close()


class Host(App[None]):
    CSS_PATH = str(ROOT / "kiosk" / "ui" / "kiosk.tcss")

    def __init__(self, config: Config, hour: int = 15) -> None:
        super().__init__()
        self.config = config
        self.hour = hour
        self.result: str | None = None

    def on_mount(self) -> None:
        self.push_screen(AdminScreen(self.config, ResponseStore(self.config.data_dir),
                                     today=lambda: TODAY, hour=lambda: self.hour,
                                     poll_seconds=3600), self._done)

    def _done(self, result: str | None) -> None:
        self.result = result


async def loaded(app: Host) -> AdminScreen:
    await wait_until(lambda: isinstance(app.screen, AdminScreen)
                     and app.screen.dashboard is not None, what="the admin figures")
    screen = app.screen
    assert isinstance(screen, AdminScreen)
    return screen


def text(screen: AdminScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def month_of(satisfied_per_day: int, per_day: int, days: int = 30, end: date = TODAY,
             prefix: str = "m") -> list[Response]:
    rows = []
    for back in range(days):
        day = end - timedelta(days=back)
        for i in range(per_day):
            rows.append(row(f"{prefix}{back}-{i}", at(day, 9 + i % 8, i % 60),
                            5 if i < satisfied_per_day else 2))
    return rows


# -- the headline -------------------------------------------------------------------
async def test_headline_in_plain_words_with_statistics_on_the_detail_line(tmp_path):
    config = make_config(tmp_path)
    write(config, month_of(40, 50, days=60))  # 80 % every day
    app = Host(config)
    async with app.run_test(size=(120, 36)) as pilot:
        admin = await loaded(app)
        await pilot.press("m")
        await wait_until(lambda: "last 30 days" in text(admin, "#headline"))
        headline = text(admin, "#headline")
        assert "80.0 % satisfied · last 30 days · 1,500 answers" in headline
        assert "at or above your 80 % target" in headline
        assert "the same as the 30 days before" in headline and "(within chance)" in headline
        assert "p =" not in headline and "interval" not in headline  # statistics below
        assert "95 % interval" in text(admin, "#headline-detail")
        assert "p = 1.000" in text(admin, "#headline-detail")


async def test_just_under_target_before_rounding_is_shown_on_target(tmp_path):
    config = make_config(tmp_path, min_responses=30)
    # 1,999 satisfied of 2,500: 79.96 % -> shown 80.0 %
    rows = [row(f"r{i}", at(TODAY, 8 + i % 12, i % 60), 5 if i < 1999 else 1)
            for i in range(2500)]
    write(config, rows)
    app = Host(config)
    async with app.run_test(size=(120, 36)):
        admin = await loaded(app)
        assert admin.dashboard.figures.summary.csat == pytest.approx(79.96)
        await wait_until(lambda: "% satisfied" in text(admin, "#headline"))
        assert "80.0 % satisfied" in text(admin, "#headline")
        assert "at or above your 80 % target" in text(admin, "#headline")
        assert admin.query_one("#headline").has_class("-on-target")
        assert admin.query_one("#csat-digits").has_class("-on-target")
        assert not admin.query_one("#headline").has_class("-below-target")


async def test_three_against_three_is_too_few_to_compare(tmp_path):
    """Three 1s yesterday, three 5s today: no 'real change' claimed (Fisher p = 0.10)."""
    config = make_config(tmp_path, min_responses=30)
    write(config, [row(f"y{i}", at(TODAY - timedelta(days=1), 9, i), 1) for i in range(3)]
          + [row(f"t{i}", at(TODAY, 9, i), 5) for i in range(3)])
    app = Host(config, hour=15)
    async with app.run_test(size=(120, 36)):
        admin = await loaded(app)
        await wait_until(lambda: "today so far" in text(admin, "#headline"))
        headline = text(admin, "#headline")
        assert "up 100.0 points on the same hours yesterday (00:00–15:59)" in headline
        assert "(too few answers to compare)" in headline and "a real change" not in headline
        assert "fewer than 30 answers" in headline
        assert admin.query_one("#headline").has_class("-small-sample")
        detail = text(admin, "#headline-detail")
        assert "Fisher's exact test: p = 0.100" in detail
        assert "the same hours the same weekday last week" in detail


async def test_today_is_compared_with_the_same_hours_only(tmp_path):
    """Yesterday afternoon's bad answers are after the current hour: not compared."""
    config = make_config(tmp_path, min_responses=5)
    yesterday = TODAY - timedelta(days=1)
    rows = [row(f"ym{i}", at(yesterday, 9, i), 5) for i in range(40)]
    rows += [row(f"ya{i}", at(yesterday, 17, i), 1) for i in range(40)]
    rows += [row(f"t{i}", at(TODAY, 9, i), 5) for i in range(40)]
    write(config, rows)
    app = Host(config, hour=10)
    async with app.run_test(size=(120, 36)):
        admin = await loaded(app)
        comparison = admin.dashboard.figures.comparison
        assert (comparison.current, comparison.previous) == (100.0, 100.0)
        assert comparison.previous_n == 40  # the 17:00 answers are not "the same hours"
        assert "the same as the same hours yesterday (00:00–10:59)" in text(admin, "#headline")


# -- charts -------------------------------------------------------------------------
async def test_long_periods_are_drawn_by_week_counting_answers(tmp_path):
    config = make_config(tmp_path)
    rows = month_of(45, 50, days=120)
    # one terrible day: a maximum per bucket would hide it, a count per week shows it
    bad = TODAY - timedelta(days=50)
    rows += [row(f"bad{i}", at(bad, 12, i % 60), 1) for i in range(400)]
    write(config, rows)
    app = Host(config)
    async with app.run_test(size=(120, 36)) as pilot:
        admin = await loaded(app)
        await pilot.press("a")
        chart = admin.query_one(TrendChart)
        await wait_until(lambda: chart.unit == "week")
        values = dict(chart.points)
        monday = bad - timedelta(days=bad.weekday())
        week = values[monday]
        assert week.n == 7 * 50 + 400 and week.at_least(4) == 7 * 45
        assert min(v.at_least(4) / v.n for v in values.values() if v.n) == week.at_least(4) / week.n


async def test_heat_map_colours_against_target_and_greys_small_cells(tmp_path):
    config = make_config(tmp_path, min_responses=10)
    friday = TODAY
    rows = [row(f"a{i}", at(friday, 9, i), 5) for i in range(20)]         # 100 %, enough
    rows += [row(f"b{i}", at(friday, 10, i), 1) for i in range(20)]       # 0 %, enough
    rows += [row(f"c{i}", at(friday, 11, i), 5) for i in range(3)]        # 100 %, 3 answers
    write(config, rows)
    app = Host(config)
    async with app.run_test(size=(120, 36)) as pilot:
        admin = await loaded(app)
        await pilot.press("h")
        heat = admin.query_one("#heatmap", HeatMap)
        await wait_until(lambda: "Fri" in str(heat.render()))
        content = heat.render()
        styles = {str(content)[span.start:span.end].strip(): span.style for span in content.spans}
        fri_line = [line for line in str(content).splitlines() if line.startswith("Fri")][0]
        assert fri_line.split()[1:] == ["100", "0", "100"]
        spans = [span for span in content.spans if span.start >= str(content).index("Fri")][:3]
        assert [span.style for span in spans] == [ON_TARGET, BELOW_TARGET, SMALL_SAMPLE]
        del styles


# -- layouts ------------------------------------------------------------------------
def visible(screen: AdminScreen, selector: str) -> bool:
    widget = screen.query_one(selector)
    region = widget.region
    return (widget.display and region.width > 0 and region.height > 0
            and screen.region.contains_region(region))


async def test_80x24_shows_headline_trend_and_reasons_with_finger_sized_buttons(tmp_path):
    config = make_config(tmp_path)
    rows = month_of(40, 50)
    rows += [row(f"r{i}", at(TODAY - timedelta(days=i % 20), 14, i % 60), 2, reason="Waiting time")
             for i in range(30)]
    write(config, rows)
    app = Host(config)
    async with app.run_test(size=(80, 24)) as pilot:
        admin = await loaded(app)
        await pilot.press("m")
        await wait_until(lambda: "Waiting time" in text(admin, "#reasons"))
        for selector in ("#headline", "#headline-detail", "#trend", "#reasons", "Footer"):
            assert visible(admin, selector), selector
        assert admin.query_one("#trend").region.height >= 8
        for button in admin.query(Button):
            assert button.region.height >= 3 and button.region.width >= 8, button.id
            assert admin.region.contains_region(button.region), button.id
        # the headline never breaks inside a figure: every figure is on one line
        for line in text(admin, "#headline").splitlines():
            assert not line.rstrip().endswith(("%", "answers")) or " " in line
        assert all(len(line) <= 78 for line in text(admin, "#headline").splitlines())


async def test_200x60_uses_the_space(tmp_path):
    config = make_config(tmp_path)
    write(config, month_of(40, 50))
    app = Host(config)
    async with app.run_test(size=(200, 60)) as pilot:
        admin = await loaded(app)
        await pilot.press("m")
        await pilot.pause()
        for selector in ("#trend", "#reasons", "#heatmap-big", "#distribution-big", "#csat-digits"):
            assert visible(admin, selector), selector
        assert admin.query_one("#trend").region.height >= 15


def contrast(a, b) -> float:
    def lum(c) -> float:
        def ch(v: int) -> float:
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b)
    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_quit_button_is_readable_and_its_confirmation_fits(tmp_path):
    config = make_config(tmp_path)
    app = Host(config)
    async with app.run_test(size=(80, 24)) as pilot:
        admin = await loaded(app)
        quit_button = admin.query_one("#quit", Button)
        colour, background = quit_button.styles.color, quit_button.styles.background
        assert contrast(colour, background) >= 4.5
        await pilot.click("#quit")
        label = str(quit_button.label)
        assert label == "Again to quit"
        assert quit_button.content_region.width >= len(label)
        selected = admin.query_one("#period-today", Button)
        assert contrast(selected.styles.color, selected.styles.background) >= 4.5


# -- hostile text and bounded work ---------------------------------------------------
async def test_reasons_and_languages_from_data_are_not_markup_and_are_capped(tmp_path):
    config = make_config(tmp_path)
    rows = [row(f"h{i}", at(TODAY, 10, i % 60), 1, reason="[/]") for i in range(50)]
    rows += [row(f"b{i}", at(TODAY, 11, i % 60), 1, reason="[b]bold[/b] \x1b[31mred")
             for i in range(40)]
    rows += [row(f"u{i}", at(TODAY, 12, i % 60), 2, reason=f"r{i}", language=f"x-{i}")
             for i in range(500)]
    write(config, rows)
    app = Host(config)
    async with app.run_test(size=(120, 36)) as pilot:
        admin = await loaded(app)
        await wait_until(lambda: "[/]" in text(admin, "#reasons"))
        reasons = text(admin, "#reasons")
        assert "[b]bold[/b]" in reasons and "\x1b" not in reasons
        lines = reasons.splitlines()
        assert len(lines) == TOP_REASONS + 1 and lines[-1].startswith("other reasons")
        for key in "watm":  # period switches redraw everything: no MarkupError
            await pilot.press(key)
        await pilot.press("d")
        languages = text(admin, "#languages-breakdown")
        assert languages.count("(") == TOP_LANGUAGES
        other = int(languages.split("other languages: ")[1].replace(",", ""))
        shown_counts = [int(part.split("(")[1].split(")")[0].replace(",", ""))
                        for part in languages.split("   ") if "(" in part]
        assert other + sum(shown_counts) == len(rows)  # every answer counted somewhere


async def test_export_file_names_are_shown_as_written(tmp_path):
    config = make_config(tmp_path)
    write(config, month_of(4, 5, days=3))
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        admin = await loaded(app)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, ExportScreen))
        dialog = app.screen
        name = dialog.query_one("#export-name")
        name.value = "[b]../Q3[/b].csv"
        await pilot.click("#export-write")
        result = str(dialog.query_one("#export-result").render())
        assert "[b]../Q3[/b].csv" in result
        name.value = "[b]Q3.csv"
        dialog.write()
        await wait_until(lambda: "written to" in str(dialog.query_one("#export-result").render()))
        assert f"{config.admin.export_dir}/[b]Q3.csv" in str(
            dialog.query_one("#export-result").render()).replace("\n", "")
        assert (config.admin.export_dir / "[b]Q3.csv").exists()
        selected = [b.id for b in dialog.query(Button) if b.has_class("-selected")]
        assert selected == ["export-period-today"]  # one highlight
        assert [str(label.render()) for label in dialog.query(".field-label")] == [
            "Period", "File name"]
        del admin


async def test_idle_lock_closes_the_export_dialog_and_locks_the_view(tmp_path):
    """The idle timeout fires with the export dialog open: the dialog closes AND the view
    locks. The timeout's own callback is run (not the wall clock): no runner speed involved."""
    config = make_config(tmp_path, idle_lock_seconds=600)
    app = Host(config)
    async with app.run_test(size=(100, 30)) as pilot:
        admin = await loaded(app)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, ExportScreen))
        assert admin._idle.callback == admin.idle_lock  # what the timer calls
        admin._idle.callback()
        await wait_until(lambda: app.result == "back", what="the idle lock")
        assert not isinstance(app.screen, (ExportScreen, AdminScreen))
        await pilot.press("escape")  # nothing left to close: no InvalidStateError
        await pilot.pause()
        assert app.is_running



async def test_answers_dated_in_the_future_are_shown_to_staff(tmp_path):
    config = make_config(tmp_path)
    ahead = datetime.now().astimezone() + timedelta(days=3)
    write(config, [row(f"f{i}", ahead + timedelta(minutes=i), 5) for i in range(3)])
    app = Host(config)
    async with app.run_test(size=(120, 36)):
        admin = await loaded(app)
        await wait_until(lambda: "dated in the future" in text(admin, "#store-status"))
        assert "3 answer(s) dated in the future: check the clock" in text(admin, "#store-status")
