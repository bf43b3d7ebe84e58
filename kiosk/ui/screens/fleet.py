"""`kiosk admin --fleet`: the whole chain from the fleet database, behind the PIN.

Every site with its CSAT, n, 95 % interval and 7-day trend against the target;
a site whose interval lies entirely below the chain's CSAT is marked.  Enter
on a site opens the counter's own admin view over that site's tallies in the
database (kiosk.views.source.FleetSiteSource): the same figures as `kiosk stats`
on its counter.  The database is read in worker threads: the screen never waits
on the network.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.events import Key, MouseDown
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from kiosk.config import Config
from kiosk.fleet.figures import FleetFigures, FleetSource, SiteFigures
from kiosk.pin import PinVault
from kiosk.ui.palette import apply_palette
from kiosk.ui.screens.admin import AdminScreen
from kiosk.ui.screens.idle import IdleTimer
from kiosk.ui.screens.pin import PinScreen
from kiosk.views.source import FleetSiteSource
from scoring import Summary

REFRESH_SECONDS = 30.0
RETRY_SECONDS = 5.0  # after a failed load: sooner than the next refresh
RECONCILE_DAYS = 14  # the fleet view's reconciliation looks back this far (fleet check: all)
BELOW_MARK = "▼ below chain"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _interval(summary: Summary) -> str:
    if summary.ci95 is None:
        return "—"
    return f"{summary.ci95[0]:.1f}–{summary.ci95[1]:.1f} %"


def _trend(site: SiteFigures) -> str:
    if site.trend is None:
        return "—"
    arrow = "↑" if site.trend > 0.5 else "↓" if site.trend < -0.5 else "→"
    return f"{arrow} {site.trend:+.1f}"


def _versus(site: SiteFigures, target: float) -> Text:
    if site.summary.csat is None:
        return Text("—")
    gap = site.summary.csat - target
    return Text(f"{gap:+.1f}", style="green" if gap >= 0 else "red")


def site_row(site: SiteFigures, target: float) -> tuple[Text, ...]:
    """One table row; every cell a Text (kiosk ids are not markup)."""
    mark = Text(BELOW_MARK, style="bold red") if site.below_chain else Text("")
    return (Text(site.kiosk_id), Text(_pct(site.summary.csat)), Text(str(site.summary.responses)),
            Text(_interval(site.summary)), Text(_trend(site)), _versus(site, target), mark)


class FleetScreen(Screen[None]):
    """The chain: one row per site."""

    DEFAULT_CSS = """
    FleetScreen { padding: 0 1; }
    #fleet-chain { height: auto; margin: 0 0 1 0; text-style: bold; }
    #fleet-status { height: auto; color: $text-muted; }
    #fleet-reconciliation { height: auto; }
    #fleet-sites { height: 1fr; }
    """
    retry_seconds = RETRY_SECONDS
    BINDINGS = [Binding("r", "refresh_figures", "Refresh"),
                Binding("escape", "lock", "Lock")]

    def __init__(self, config: Config, source: FleetSource, today: Callable[[], date],
                 refresh_seconds: float = REFRESH_SECONDS,
                 hour: Callable[[], int] | None = None) -> None:
        super().__init__(id="fleet")
        self.config = config
        self.source = source
        self.today = today
        self.hour = hour or (lambda: datetime.now().hour)
        self.refresh_seconds = refresh_seconds
        self.figures: FleetFigures | None = None

    def compose(self) -> ComposeResult:
        yield Static("Fleet · loading…", id="fleet-chain", markup=False)
        table: DataTable[Text] = DataTable(id="fleet-sites", cursor_type="row")
        table.add_columns("Site", "CSAT", "n", "95 % interval", "7-day trend", "vs target", "")
        yield table
        yield Static("", id="fleet-reconciliation", markup=False)
        yield Static("", id="fleet-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh_figures()
        self.set_interval(self.refresh_seconds, self.action_refresh_figures)

    def action_refresh_figures(self) -> None:
        self._load()

    def action_lock(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        admin = self.config.admin
        try:
            figures = self.source.overview(
                self.today(), threshold=self.config.survey.satisfied_threshold,
                min_responses=admin.min_responses, target=admin.target_csat)
        except Exception as exc:  # noqa: BLE001 - shown as one line, the view stays up
            from kiosk.fleet.connection import first_line

            self.app.call_from_thread(self._show_problem, first_line(exc))
            return
        self.app.call_from_thread(self._show, figures)
        self._load_reconciliation()

    def _show_problem(self, problem: str) -> None:
        """Loading failed: the reason, and another try in RETRY_SECONDS."""
        self.query_one("#fleet-status", Static).update(
            f"cannot read the fleet database: {problem} · trying again in "
            f"{self.retry_seconds:g} s")
        self.set_timer(self.retry_seconds, self.action_refresh_figures)

    def _load_reconciliation(self) -> None:
        """Per site: does head office hold every answer its counter reported?"""
        try:
            from datetime import timedelta

            checks = self.source.checks(since=self.today() - timedelta(days=RECONCILE_DAYS))
        except Exception as exc:  # noqa: BLE001 - an older schema, a refused read: say so
            from kiosk.fleet.connection import first_line

            line = f"reconciliation unavailable: {first_line(exc)}"
        else:
            gaps = [c for c in checks if c.gap]
            line = (f"Every site's answers of the last {RECONCILE_DAYS} days are here "
                    f"({len(checks)} sites)" if not gaps
                    else f"{len(gaps)} sites with a gap: " + " · ".join(
                        f"{c.kiosk_id}: {c.line()}" for c in gaps[:3]))
        self.app.call_from_thread(self._show_reconciliation, line)

    def _show_reconciliation(self, line: str) -> None:
        self.query_one("#fleet-reconciliation", Static).update(Text(line))

    def _show(self, figures: FleetFigures) -> None:
        self.figures = figures
        chain = figures.chain
        marked = sum(site.below_chain for site in figures.sites)
        self.query_one("#fleet-chain", Static).update(
            f"Chain: CSAT {_pct(chain.csat)} · n {chain.responses} · 95 % {_interval(chain)}"
            f" · target {figures.target:.0f} % · {len(figures.sites)} sites"
            f"{f' · {marked} below the chain' if marked else ''}")
        table = self.query_one("#fleet-sites", DataTable)
        table.clear()
        for site in figures.sites:
            table.add_row(*site_row(site, figures.target), key=site.kiosk_id)
        self.query_one("#fleet-status", Static).update(
            "Enter: the site's admin view · r: refresh · Esc: lock")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        kiosk_id = event.row_key.value
        if kiosk_id is not None:
            today, hour = self._site_clock(kiosk_id)
            self.app.push_screen(site_admin(self.config, self.source, kiosk_id,
                                            today, hour), self._after_site)

    def _site_clock(self, kiosk_id: str) -> tuple[Callable[[], date], Callable[[], int]]:
        """The site's "today" and hour in the zone its kiosk files days in."""
        clock = self.source.clock
        site = next((s for s in self.figures.sites if s.kiosk_id == kiosk_id), None) \
            if self.figures else None
        if clock is None or site is None or site.timezone is None:
            return self.today, self.hour
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(site.timezone)
        return (lambda: clock().astimezone(zone).date()), (lambda: clock().astimezone(zone).hour)

    def _after_site(self, choice: str | None) -> None:
        if choice == "quit":
            self.app.exit()


def site_admin(config: Config, fleet: FleetSource, kiosk_id: str, today: Callable[[], date],
               hour: Callable[[], int]) -> AdminScreen:
    """The counter's admin view over one site's figures in the fleet database."""
    site_config = replace(config, kiosk=replace(config.kiosk, id=kiosk_id),
                          sync=None)  # this machine's sync says nothing about the site
    return AdminScreen(site_config, FleetSiteSource(fleet, kiosk_id, today=today, hour=hour),
                       back_label="Back to sites")


def _utc_now() -> datetime:

    return datetime.now(UTC)


class FleetApp(App[None]):
    """PIN (the data dir's admin PIN), then the fleet screen; Esc locks again, and so
    does ``[admin] idle_lock_seconds`` without a key or a click, whatever is open."""

    CSS_PATH = "../kiosk.tcss"
    TITLE = "csat-kiosk fleet"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, config: Config, url: str, *, source: FleetSource | None = None,
                 today: Callable[[], date] = date.today,
                 hour: Callable[[], int] | None = None,
                 refresh_seconds: float = REFRESH_SECONDS) -> None:
        super().__init__()
        self.config = config
        # Each site's "today" in its own zone (the one its kiosk files its days in).
        self.source = source or FleetSource(url, clock=_utc_now)
        self.today = today
        self.hour = hour
        self.refresh_seconds = refresh_seconds
        self.pin_vault = PinVault(config.data_dir)  # one per process, as on the counter
        self._idle = IdleTimer(self, config.admin.idle_lock_seconds, self.idle_lock)
        self._unlocked = False

    def on_mount(self) -> None:
        apply_palette(self)  # the admin view's colours, as on the counter
        self._ask_pin()

    def _ask_pin(self) -> None:
        self._unlocked = False
        self._idle.stop()  # the PIN screen times out by itself
        self.push_screen(PinScreen(self.pin_vault, self.config.admin.idle_lock_seconds),
                         self._after_pin)

    def _after_pin(self, ok: bool | None) -> None:
        if ok:
            self.push_screen(FleetScreen(self.config, self.source, self.today,
                                         self.refresh_seconds, self.hour),
                             lambda _: self._ask_pin())
            self._unlocked = True
            self._idle.restart()
        else:
            self.exit()

    def idle_lock(self) -> None:
        """Nobody at the screen: close what is open over the fleet view, then lock."""
        fleet = next((s for s in self.screen_stack if isinstance(s, FleetScreen)), None)
        if fleet is None:
            return
        while self.screen is not fleet:
            self.pop_screen()
        fleet.dismiss(None)

    def on_key(self, event: Key) -> None:
        if self._unlocked:
            self._idle.restart()

    def on_mouse_down(self, event: MouseDown) -> None:
        if self._unlocked:
            self._idle.restart()
