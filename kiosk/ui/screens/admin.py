"""The admin view: a plain-words headline, the CSAT trend, reasons, hours, export, exit.

Read in five seconds: the first line says how satisfied customers are, over what,
from how many answers, against the target and against the period before. The
statistics behind it sit on the detail line. Pages (Overview, Hours, Details)
keep an 80x24 screen readable; a large screen shows more on the overview.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key, MouseDown
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, ContentSwitcher, Digits, Footer, Static

from kiosk.config import Config
from kiosk.fleet.status import sync_line
from kiosk.misuse import TapRule
from kiosk.store.response_store import ResponseStore
from kiosk.ui.screens.idle import IdleTimer
from kiosk.ui.widgets.charts import (
    OTHER,
    DistributionBars,
    HeatMap,
    ReasonBars,
    TrendChart,
    fit_phrases,
    plain,
    shown,
    top_counts,
)
from kiosk.views.dashboard import OTHER_KEY, PERIODS, Dashboard, Figures
from kiosk.views.source import AdminSource, StoreSource
from scoring import Comparison, Summary, csat_percent, group_days, nps, nps_interval

POLL_SECONDS = 0.5  # live window: new taps show within a second
TOP_REASONS = 8  # reasons and languages drawn: the largest ones, then "other"
TOP_LANGUAGES = 8
PAGES = {"overview": "Overview", "hours": "Hours", "details": "Details"}
PERIOD_WORDS = {"today": "today so far", "7d": "last 7 days", "30d": "last 30 days",
                "all": "all time"}


def with_other(counts: dict[str, int], n: int) -> list[tuple[str | None, int]]:
    """The ``n`` largest entries, then ``(None, count)`` for all the others (those capped
    away by the dashboard included)."""
    hidden = counts.pop(OTHER_KEY, 0)
    rows: list[tuple[str | None, int]] = []
    for key, count in top_counts(counts, n):
        if key == OTHER and len(counts) > n:
            hidden += count
        else:
            rows.append((key, count))
    if hidden:
        rows.append((None, hidden))
    return rows


def headline_phrases(figures: Figures, target: float, min_responses: int) -> list[str]:
    """The first line, in words; each phrase is drawn whole (never broken mid-figure)."""
    summary = figures.summary
    period = PERIOD_WORDS[figures.name]
    if figures.name == "all":
        period = f"all time (since {figures.period.start.isoformat()})"
    if summary.csat is None:
        return ["No answers yet", period]
    value = shown(summary.csat)
    phrases = [f"{value:.1f} % satisfied", period,
               f"{summary.responses:,} answer{'s' if summary.responses != 1 else ''}"]
    if value >= target:
        phrases.append(f"at or above your {target:g} % target")
    else:
        phrases.append(f"below your {target:g} % target")
    if summary.small_sample:
        phrases.append(f"fewer than {min_responses} answers: can move a lot")
    phrases += change_phrases(figures.comparison, figures.comparison_label)
    return phrases


def change_phrases(comparison: Comparison, against: str) -> list[str]:
    """"up 1.9 points on the 30 days before", "(a real change)" — or why there is no verdict."""
    verdict = comparison.verdict
    if verdict == "nothing to compare":
        return [f"no answers in {against} to compare with"]
    assert comparison.change is not None
    change = shown(comparison.change)
    if change == 0:
        movement = f"the same as {against}"
    else:
        movement = f"{'up' if change > 0 else 'down'} {abs(change):.1f} points on {against}"
    words = {"real change": "(a real change)", "within chance": "(within chance)",
             "too few answers": "(too few answers to compare)"}[verdict]
    return [movement, words]


def statistics_phrases(summary: Summary, comparison: Comparison) -> list[str]:
    """The detail line: the interval, the mean and the test behind the headline."""
    if summary.csat is None or summary.ci95 is None or summary.mean is None:
        return [f"answers ≥ {summary.threshold} count as satisfied"]
    low, high = summary.ci95
    parts = [f"95 % interval {low:.1f}–{high:.1f} %", f"mean {summary.mean:.2f} / 5",
             f"answers ≥ {summary.threshold} count as satisfied"]
    if comparison.p_value is not None:
        p = comparison.p_value
        p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        parts.append(f"{comparison.test}: {p_text} ({comparison.current_n:,} vs "
                     f"{comparison.previous_n:,} answers)")
    return parts


class AdminScreen(Screen[str]):
    """Dismisses with "back" (to the survey / lock) or "quit"."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (150, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (45, "-tall")]

    BINDINGS = [
        Binding("t", "period('today')", "Today", id="admin.today"),
        Binding("w", "period('7d')", "7d", id="admin.7d"),
        Binding("m", "period('30d')", "30d", id="admin.30d"),
        Binding("a", "period('all')", "All", id="admin.all"),
        Binding("o", "page('overview')", "Overview", id="admin.overview"),
        Binding("h", "page('hours')", "Hours", id="admin.hours"),
        Binding("d", "page('details')", "Details", id="admin.details"),
        Binding("e", "export", "Export", id="admin.export"),
        Binding("f", "toggle_flagged", "Flagged", id="admin.flagged"),
        Binding("escape", "back", "Back", id="admin.back"),
    ]

    def __init__(self, config: Config, source: AdminSource | ResponseStore, *,
                 back_label: str = "Back to survey",
                 poll_seconds: float = POLL_SECONDS,
                 today: Callable[[], date] | None = None,
                 hour: Callable[[], int] | None = None) -> None:
        """``source``: where the figures come from (kiosk.views.source); a store is
        read as the counter's own data dir, with ``today``/``hour`` its clock."""
        super().__init__(id="admin")
        self.config = config
        if isinstance(source, ResponseStore):
            source = StoreSource(source, today=today, hour=hour)
        self.source: AdminSource = source
        self.back_label = back_label
        self.poll_seconds = poll_seconds
        self.dashboard: Dashboard | None = None
        self.today = source.today
        self.hour = source.hour
        self._idle = IdleTimer(self, config.admin.idle_lock_seconds, self.idle_lock)
        self._quit_armed = False

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="admin-top"):
            yield Static(Content(f"Admin · {plain(self.config.kiosk.id)}"), id="admin-title")
            for key, label in PERIODS.items():
                yield self._button(label, f"period-{key}", "period")
            for key, label in PAGES.items():
                yield self._button(label, f"page-{key}", "page")
        with Vertical(id="admin-head"):
            with Horizontal(id="headline-row"):
                yield Digits("--", id="csat-digits")
                with Vertical(id="headline-text"):
                    yield Static("Loading…", id="headline")
                    yield Static("", id="headline-detail")
            # One line each, empty when all is well: the store's problems; fleet adds its
            # sync status here (a Static with id "sync-status").
            with Vertical(id="status-lines"):
                yield Static("", id="store-status")
                sync = Static("", id="sync-status", markup=False)
                sync.display = self.config.sync is not None  # fleet sync only
                yield sync
        with ContentSwitcher(id="pages", initial="overview"):
            with Vertical(id="overview"):
                with Horizontal(id="overview-main"):
                    yield TrendChart(id="trend")
                    with Vertical(id="overview-reasons"):
                        yield Static("Low scores: why", classes="section")
                        yield ReasonBars(id="reasons")
                with Horizontal(id="overview-more"):
                    with Vertical(classes="admin-column"):
                        yield Static("CSAT % by weekday and hour", classes="section")
                        yield HeatMap(id="heatmap-big")
                    with Vertical(classes="admin-column"):
                        yield Static("Answers", classes="section")
                        yield DistributionBars(id="distribution-big")
            with VerticalScroll(id="hours"):
                yield Static("CSAT % by weekday and hour", classes="section")
                yield HeatMap(id="heatmap")
            with VerticalScroll(id="details"):
                yield Static("Answers", classes="section")
                yield DistributionBars(id="distribution")
                yield Static("", id="flagged-note")
                yield Static("By language (CSAT %, answers)", classes="section")
                yield Static("", id="languages-breakdown")
                if self.config.nps.enabled:
                    yield Static("Net Promoter Score", classes="section")
                    yield Static("", id="nps-figure")
        with Horizontal(id="admin-actions"):
            export = self._button("Export CSV" if self.source.store else "Export: on the counter",
                                  "export", variant="primary")
            export.disabled = self.source.store is None  # the rows are not here
            yield export
            yield self._button("Include flagged", "toggle-flagged")
            yield self._button(self.back_label, "back")
            yield self._button("Quit kiosk", "quit", variant="error")
        yield Footer(compact=True)

    @staticmethod
    def _button(label: str, button_id: str, classes: str = "",
                variant: str = "default") -> Button:
        button = Button(label, id=button_id, classes=classes, variant=variant)  # type: ignore[arg-type]
        button.can_focus = False  # a touch screen: no focus ring, keys are bindings
        return button

    def on_mount(self) -> None:
        self._idle.restart()
        self._mark_page("overview")
        self.load()

    # -- loading and live updates ---------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """The source's per-day summaries, then what its live feed holds so far."""
        try:
            day_hours, day_breakdowns = self.source.summaries()
        except Exception as exc:  # noqa: BLE001 - e.g. the fleet database refused: say why
            self.app.call_from_thread(self._load_failed, exc)
            return
        dashboard = Dashboard(day_hours,
                              threshold=self.config.survey.satisfied_threshold,
                              min_responses=self.config.admin.min_responses,
                              today=self.today, hour=self.hour,
                              day_breakdowns=day_breakdowns,
                              tz=self.source.tz)
        live = self.source.poll()
        for response in live.new:
            dashboard.add(response)
        for response in live.annotated:
            dashboard.annotate(response)
        self.source.check()  # the slow checks behind store_problems(), off the event loop
        self.app.call_from_thread(self._loaded, dashboard)

    LOAD_RETRY_SECONDS = 5.0

    def _load_failed(self, exc: BaseException) -> None:
        """Loading failed: the reason on the headline, and another try shortly."""
        from rich.text import Text

        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self.query_one("#headline", Static).update(Text(
            f"Cannot load the figures: {reason} · trying again in "
            f"{self.LOAD_RETRY_SECONDS:g} s"))
        self.set_timer(self.LOAD_RETRY_SECONDS, self.load)

    def _loaded(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.show(dashboard.select("today"))
        # Charts are laid out to the widgets' sizes: draw again once those are known.
        self.call_after_refresh(lambda: self.show(dashboard.figures))
        self.set_interval(self.poll_seconds, self.poll)

    def poll(self) -> None:
        """Count taps appended since the last look (this or another process)."""
        if self.dashboard is None:
            return
        figures = None
        live = self.source.poll()
        for response in live.new:
            figures = self.dashboard.add(response)
        for response in live.annotated:
            figures = self.dashboard.annotate(response)
        if figures is not None:
            self.show(figures)
        self._show_store_status()

    # -- drawing -------------------------------------------------------------
    def show(self, figures: Figures) -> None:
        summary = figures.summary
        admin = self.config.admin
        target = admin.target_csat
        digits = self.query_one("#csat-digits", Digits)
        digits.update("--" if summary.csat is None else f"{shown(summary.csat):.1f}")
        headline = self.query_one("#headline", Static)
        width = max(20, (headline.content_size.width or self.size.width - 2))
        headline.update(Content(fit_phrases(headline_phrases(figures, target,
                                                             admin.min_responses), width)))
        # Colours follow the figure as shown (rounded), like the words do.
        on_target = summary.csat is not None and shown(summary.csat) >= target
        for widget in (digits, headline):
            widget.set_class(summary.csat is not None and on_target, "-on-target")
            widget.set_class(summary.csat is not None and not on_target, "-below-target")
            widget.set_class(summary.small_sample and summary.csat is not None, "-small-sample")
        detail = statistics_phrases(summary, figures.comparison)
        for label, comparison in figures.extra_comparisons:
            detail.append(" ".join(change_phrases(comparison, label)))
        if summary.flagged:
            detail.append(self._flagged_words(summary))
        self.query_one("#headline-detail", Static).update(Content(fit_phrases(detail, width)))
        self._show_charts(figures)
        self._show_breakdowns(figures)
        for key in PERIODS:
            self.query_one(f"#period-{key}", Button).set_class(key == figures.name, "-selected")
        self._show_store_status()

    def _show_charts(self, figures: Figures) -> None:
        admin, threshold = self.config.admin, figures.summary.threshold
        days = list(figures.days.items())
        # Long periods in weeks or months, each the sum of its answers (never a maximum).
        unit = "day" if len(days) <= 45 else "week" if len(days) <= 366 else "month"
        self.query_one(TrendChart).show(group_days(days, unit), unit, threshold,
                                        admin.target_csat)
        for heatmap in self.query(HeatMap):
            heatmap.show(figures.grid, threshold, admin.target_csat, admin.min_responses)
        labels = self.config.texts().labels
        for bars in self.query(DistributionBars):
            bars.show(figures.summary, labels)

    def _show_breakdowns(self, figures: Figures) -> None:
        breakdown, threshold = figures.breakdown, figures.summary.threshold
        texts = self.config.texts()
        reasons = with_other(dict(breakdown.reasons), TOP_REASONS)
        self.query_one(ReasonBars).show(
            [("other reasons" if reason is None else texts.reason_label(reason), count)
             for reason, count in reasons],
            sum(breakdown.reasons.values()), TOP_REASONS + 1)
        counts = {code: tally.n for code, tally in breakdown.languages.items()}
        rows: list[str] = []
        for code, count in with_other(counts, TOP_LANGUAGES):
            if code is None:
                rows.append(f"other languages: {count:,}")
                continue
            tally = breakdown.languages[code]
            value = csat_percent(tally, threshold)
            name = (self.config.texts(code).name if code in self.config.kiosk.languages
                    else plain(code, 16))
            rows.append(f"{name}: {'—' if value is None else f'{value:.0f} %'} ({count:,})")
        self.query_one("#languages-breakdown", Static).update(
            Content("   ".join(rows) if rows else "No answers in this period."))
        if self.config.nps.enabled:
            value, interval = nps(breakdown.nps), nps_interval(breakdown.nps)
            self.query_one("#nps-figure", Static).update(Content(
                "No NPS answers in this period." if value is None or interval is None else
                f"NPS {value:+.0f} (95 % interval {interval[0]:+.0f} to {interval[1]:+.0f}), "
                f"{breakdown.nps.n:,} answer(s); promoters 9-10 minus detractors 0-6"))
        self._show_flagged(figures.summary)

    def on_resize(self) -> None:
        dashboard = self.dashboard
        if dashboard is not None:
            self.call_after_refresh(lambda: self.show(dashboard.figures))

    def _flagged_words(self, summary: Summary) -> str:
        included = self.dashboard is not None and self.dashboard.include_flagged
        return (f"{summary.flagged:,} flagged tap(s) "
                f"{'INCLUDED in' if included else 'left out of'} the figures")

    def _show_flagged(self, summary: Summary) -> None:
        rule = TapRule(self.config.misuse.max_taps, self.config.misuse.window_seconds).describe()
        included = self.dashboard is not None and self.dashboard.include_flagged
        note = self.query_one("#flagged-note", Static)
        note.update(Content(f"No flagged taps (rule: {rule})." if not summary.flagged else
                            f"⚑ {self._flagged_words(summary)} (rule: {rule})."))
        self.query_one("#toggle-flagged", Button).label = (
            "Leave out flagged" if included else "Include flagged")

    def _show_store_status(self) -> None:
        problems = self.store_problems()
        self.query_one("#store-status", Static).update(Content("\n".join(problems)))
        self.query_one("#store-status", Static).set_class(bool(problems), "-error")
        self.query_one("#sync-status", Static).update(sync_line(self.config))

    def store_problems(self) -> list[str]:
        """One line per thing staff must know about the data (empty when all is well)."""
        return self.source.problems()

    # -- actions -------------------------------------------------------------
    def action_period(self, name: str) -> None:
        dashboard = self.dashboard
        if dashboard is not None:
            self.show(dashboard.select(name))
            self.call_after_refresh(lambda: self.show(dashboard.figures))

    def action_page(self, name: str) -> None:
        self.query_one("#pages", ContentSwitcher).current = name
        self._mark_page(name)
        dashboard = self.dashboard
        if dashboard is not None:  # charts fit the page's size once it is shown
            self.call_after_refresh(lambda: self.show(dashboard.figures))

    def _mark_page(self, name: str) -> None:
        for key in PAGES:
            self.query_one(f"#page-{key}", Button).set_class(key == name, "-selected")

    def action_toggle_flagged(self) -> None:
        if self.dashboard is not None:
            self.show(self.dashboard.set_include_flagged(not self.dashboard.include_flagged))

    def action_back(self) -> None:
        if self.is_current:
            self.dismiss("back")

    def idle_lock(self) -> None:
        """Idle: close any dialog over the view first, then leave it (PIN again)."""
        while self.app.screen is not self and isinstance(self.app.screen, ModalScreen):
            self.app.pop_screen()
        if self.app.screen is self:
            self.dismiss("back")

    def action_export(self) -> None:
        from kiosk.ui.screens.export import ExportScreen

        store = self.source.store
        if store is None:  # a fleet site: its rows are exported on its counter
            return
        period = self.dashboard.figures.name if self.dashboard else "30d"
        self.app.push_screen(ExportScreen(self.config, store, period,
                                          on_activity=self._idle.restart))

    @on(Button.Pressed, ".period")
    def _period_pressed(self, event: Button.Pressed) -> None:
        self.action_period((event.button.id or "").removeprefix("period-"))

    @on(Button.Pressed, ".page")
    def _page_pressed(self, event: Button.Pressed) -> None:
        self.action_page((event.button.id or "").removeprefix("page-"))

    @on(Button.Pressed, "#toggle-flagged")
    def _flagged_pressed(self) -> None:
        self.action_toggle_flagged()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#quit")
    def _quit_pressed(self, event: Button.Pressed) -> None:
        if self._quit_armed:
            self.dismiss("quit")
            return
        self._quit_armed = True
        event.button.label = "Again to quit"
        self.set_timer(3.0, self._disarm_quit)

    def _disarm_quit(self) -> None:
        self._quit_armed = False
        self.query_one("#quit", Button).label = "Quit kiosk"

    def on_key(self, event: Key) -> None:
        self._idle.restart()

    def on_mouse_down(self, event: MouseDown) -> None:
        self._idle.restart()

    def on_screen_resume(self) -> None:
        self._idle.restart()
