"""The admin view: live CSAT with its interval, distribution, trends, export, exit."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key, MouseDown
from textual.screen import Screen
from textual.widgets import Button, Digits, Sparkline, Static

from kiosk.config import Config
from kiosk.dashboard import PERIODS, Dashboard, Figures
from kiosk.live import JournalTail
from kiosk.misuse import TapRule
from kiosk.screens.idle import IdleTimer
from kiosk.store import ResponseStore
from kiosk.widgets.charts import WEEKDAYS, DistributionBars, csat_cells, word_cells
from scoring import Summary, csat_percent, nps, nps_interval

POLL_SECONDS = 0.5  # live window: new taps show within a second


class AdminScreen(Screen[str]):
    """Dismisses with "back" (to the survey / lock) or "quit"."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    BINDINGS = [
        Binding("t", "period('today')", "Today"),
        Binding("w", "period('7d')", "7 days"),
        Binding("m", "period('30d')", "30 days"),
        Binding("a", "period('all')", "All time"),
        Binding("f", "toggle_flagged", "Flagged in/out"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, config: Config, store: ResponseStore, *, back_label: str = "Back to survey",
                 poll_seconds: float = POLL_SECONDS,
                 today: Callable[[], date] | None = None) -> None:
        super().__init__(id="admin")
        self.config = config
        self.store = store
        self.back_label = back_label
        self.poll_seconds = poll_seconds
        self.dashboard: Dashboard | None = None
        self.today = today or store.today  # the kiosk's calendar, not this process's zone
        self.tail = JournalTail(store, self.today)
        self._idle = IdleTimer(self, config.admin.idle_lock_seconds, self.action_back)
        self._quit_armed = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="admin-top"):
            yield Static(f"Admin · {self.config.kiosk.id}", id="admin-title")
            for key, label in PERIODS.items():
                button = Button(label, id=f"period-{key}", classes="period")
                button.can_focus = False
                yield button
        with VerticalScroll(id="admin-body"):
            with Horizontal(id="headline"):
                with Vertical(id="csat-box"):
                    yield Digits("--", id="csat-digits")
                    yield Static("Loading…", id="csat-caption")
                with Vertical(id="headline-side"):
                    yield Static("", id="change")
                    yield Static("", id="sample-note")
                    yield Static("", id="flagged-note")
                    yield Static("", id="store-status")
            # Two columns on a wide screen, one under the other on a narrow one.
            with Horizontal(id="admin-columns"):
                with Vertical(id="admin-left", classes="admin-column"):
                    yield Static("Answers", classes="section")
                    yield DistributionBars(id="distribution")
                    yield Static("Low scores: what went wrong", classes="section")
                    yield Static("", id="reasons-breakdown")
                    yield Static("By language", classes="section")
                    yield Static("", id="languages-breakdown")
                    if self.config.nps.enabled:
                        yield Static("Net Promoter Score", classes="section")
                        yield Static("", id="nps-figure")
                with Vertical(id="admin-right", classes="admin-column"):
                    yield Static("Daily CSAT %", classes="section", id="trend-title")
                    yield Sparkline([], id="trend")
                    yield Static("Responses by hour of day (0 → 23)", classes="section")
                    yield Sparkline([], id="hours")
                    yield Static("", id="hours-csat")
                    yield Static("CSAT by weekday", classes="section")
                    yield Static("", id="weekdays")
        with Horizontal(id="admin-actions"):
            yield Button("Export CSV", id="export", variant="primary")
            yield Button("Include flagged", id="toggle-flagged")
            yield Button(self.back_label, id="back")
            yield Button("Quit kiosk", id="quit", variant="error")

    def on_mount(self) -> None:
        self._idle.restart()
        self.load()

    # -- loading and live updates ---------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Per-day summaries of every day but today, then today's taps from the file itself."""
        day_hours, day_breakdowns = self.store.summaries(skip=self.today())
        dashboard = Dashboard(day_hours,
                              threshold=self.config.survey.satisfied_threshold,
                              min_responses=self.config.admin.min_responses,
                              today=self.today,
                              day_breakdowns=day_breakdowns,
                              tz=self.store.calendar.tz)
        for response in self.tail.poll():
            dashboard.add(response)
        for response in self.tail.annotated:
            dashboard.annotate(response)
        self._damaged_parts = self.store.damaged_parts()
        self.app.call_from_thread(self._loaded, dashboard)

    _damaged_parts: list[Path] = []

    def _loaded(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.show(dashboard.select("today"))
        # Cells are laid out to the widgets' widths: draw again once those are known.
        self.call_after_refresh(lambda: self.show(dashboard.figures))
        self.set_interval(self.poll_seconds, self.poll)

    def poll(self) -> None:
        """Count taps appended since the last look (this or another process)."""
        if self.dashboard is None:
            return
        figures = None
        for response in self.tail.poll():
            figures = self.dashboard.add(response)
        for response in self.tail.annotated:
            figures = self.dashboard.annotate(response)
        if figures is not None:
            self.show(figures)
        self._show_store_status()

    # -- drawing -------------------------------------------------------------
    def show(self, figures: Figures) -> None:
        summary = figures.summary
        labels = self.config.texts().labels
        digits = self.query_one("#csat-digits", Digits)
        target = self.config.admin.target_csat
        if summary.csat is None:
            digits.update("--")
            caption = f"CSAT · {PERIODS[figures.name]} · no responses yet"
        else:
            digits.update(f"{summary.csat:.1f}")
            assert summary.ci95 is not None  # set whenever csat is
            low, high = summary.ci95
            caption = (f"CSAT % · {PERIODS[figures.name]} · n = {summary.responses} · "
                       f"mean {summary.mean:.2f} / 5 · 95 % interval {low:.1f}–{high:.1f} %")
        digits.set_class(summary.csat is not None and summary.csat >= target, "-on-target")
        digits.set_class(summary.csat is not None and summary.csat < target, "-below-target")
        self.query_one("#csat-caption", Static).update(
            caption + (f"\nTarget {target:g} % · answers ≥ {summary.threshold} count as satisfied"))
        self.query_one("#change", Static).update(self._change_text(figures))
        note = self.query_one("#sample-note", Static)
        if summary.small_sample:
            note.update(f"⚠ Small sample: fewer than {self.config.admin.min_responses} "
                        "responses, the figure can move a lot.")
        else:
            note.update("")
        self.query_one(DistributionBars).show(summary, labels)
        self._show_flagged(summary)
        threshold = summary.threshold
        # Days without answers have no CSAT: they are left out, not drawn as 0 %.
        trend = [value for value in (csat_percent(t, threshold) for t in figures.days.values())
                 if value is not None]
        self.query_one("#trend", Sparkline).data = trend if len(trend) > 1 else trend * 2
        self.query_one("#trend-title", Static).update(
            f"Daily CSAT % on {len(trend)} of {len(figures.days)} day(s) with answers  "
            f"(lowest {min(trend):.0f} %, highest {max(trend):.0f} %)" if trend else "Daily CSAT %")
        self.query_one("#hours", Sparkline).data = [t.n for t in figures.hours]
        busiest = [h for h, t in enumerate(figures.hours) if t.n]
        self.query_one("#hours-csat", Static).update(
            csat_cells([figures.hours[h] for h in busiest], [f"{h:02d}h" for h in busiest], threshold,
                       self._width("#hours-csat"))
            if busiest else "No responses in this period.")
        self.query_one("#weekdays", Static).update(
            csat_cells(figures.weekdays, list(WEEKDAYS), threshold, self._width("#weekdays")))
        self._show_breakdowns(figures)
        for key in PERIODS:
            self.query_one(f"#period-{key}", Button).set_class(key == figures.name, "-selected")
        self._show_store_status()

    def _width(self, selector: str) -> int:
        return max(20, (self.query_one(selector).content_size.width or self.size.width // 2) - 1)

    def on_resize(self) -> None:
        if self.dashboard is not None:
            self.show(self.dashboard.figures)

    def _show_breakdowns(self, figures: Figures) -> None:
        breakdown, threshold = figures.breakdown, figures.summary.threshold
        texts = self.config.texts()
        reasons = sorted(breakdown.reasons.items(), key=lambda item: -item[1])
        asked = sum(breakdown.reasons.values())
        self.query_one("#reasons-breakdown", Static).update(
            word_cells([f"{texts.reason_label(reason)}: {count} ({100 * count / asked:.0f} %)"
                        for reason, count in reasons], self._width("#reasons-breakdown"))
            if reasons else "No reasons given in this period.")
        languages = sorted(breakdown.languages.items(), key=lambda item: -item[1].n)
        self.query_one("#languages-breakdown", Static).update(
            csat_cells([tally for _, tally in languages],
                       [self.config.texts(code).name if code in self.config.kiosk.languages
                        else code for code, _ in languages], threshold,
                       self._width("#languages-breakdown"))
            if languages else "No responses in this period.")
        if self.config.nps.enabled:
            value, interval = nps(breakdown.nps), nps_interval(breakdown.nps)
            self.query_one("#nps-figure", Static).update(
                "No NPS answers in this period." if value is None or interval is None else
                f"NPS {value:+.0f} (95 % interval {interval[0]:+.0f} to {interval[1]:+.0f}), "
                f"{breakdown.nps.n} answer(s); promoters 9-10 minus detractors 0-6")

    @staticmethod
    def _change_text(figures: Figures) -> str:
        comparison = figures.comparison
        if comparison.change is None:
            return "No previous period to compare with."
        arrow = "▲" if comparison.change > 0 else "▼" if comparison.change < 0 else "="
        p = comparison.p_value
        p_text = "p < 0.001" if p is not None and p < 0.001 else f"p = {p:.3f}"
        verdict = (f"a real change ({p_text}, {comparison.test})" if comparison.significant
                   else "within chance: not a significant change")
        return (f"{arrow} {comparison.change:+.1f} points vs the previous "
                f"{figures.period.days} day(s) ({comparison.previous:.1f} %): {verdict}")

    def _show_flagged(self, summary: Summary) -> None:
        rule = TapRule(self.config.misuse.max_taps, self.config.misuse.window_seconds).describe()
        included = self.dashboard is not None and self.dashboard.include_flagged
        note = self.query_one("#flagged-note", Static)
        if not summary.flagged:
            note.update(f"No flagged taps (rule: {rule}).")
        elif included:
            note.update(f"⚑ {summary.flagged} flagged tap(s) ({rule}) are INCLUDED in the figures.")
        else:
            note.update(f"⚑ {summary.flagged} flagged tap(s) ({rule}) left out of the figures.")
        self.query_one("#toggle-flagged", Button).label = (
            "Leave out flagged" if included else "Include flagged")

    def action_toggle_flagged(self) -> None:
        if self.dashboard is not None:
            self.show(self.dashboard.set_include_flagged(not self.dashboard.include_flagged))

    def _show_store_status(self) -> None:
        problems = []
        if self.store.last_error:
            problems.append(f"✖ {self.store.last_error} — {self.store.pending} tap(s) kept in "
                            "memory, retrying")
        problems += [f"⚠ {damage.describe()}" for damage in self.store.damage]
        if self._damaged_parts:
            problems.append(f"⚠ {len(self._damaged_parts)} damaged part(s) of the data were moved "
                            f"aside in {self.store.responses_dir} (*.damaged-*): every good "
                            "record was kept; keep these files for support")
        status = self.query_one("#store-status", Static)
        status.update("\n".join(problems))
        status.set_class(bool(problems), "-error")

    # -- actions -------------------------------------------------------------
    def action_period(self, name: str) -> None:
        if self.dashboard is not None:
            self.show(self.dashboard.select(name))
            self.call_after_refresh(lambda: self.show(self.dashboard.figures))

    def action_back(self) -> None:
        if self.is_current:
            self.dismiss("back")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("period-"):
            self.action_period(button_id.removeprefix("period-"))
        elif button_id == "toggle-flagged":
            self.action_toggle_flagged()
        elif button_id == "back":
            self.action_back()
        elif button_id == "export":
            from kiosk.screens.export import ExportScreen

            period = self.dashboard.figures.name if self.dashboard else "30d"
            self.app.push_screen(ExportScreen(self.config, self.store, period))
        elif button_id == "quit":
            if self._quit_armed:
                self.dismiss("quit")
            else:
                self._quit_armed = True
                event.button.label = "Press again to quit"
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
