"""Export from the admin view: choose the period, write a CSV into the export dir."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key, MouseDown
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from kiosk.config import Config
from kiosk.data.export import UnreadableDataDir, export_to_file, safe_export_path
from kiosk.store.response_store import ResponseStore
from kiosk.views.dashboard import PERIODS
from scoring import period_named


class ExportScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close", id="export.close")]

    def __init__(self, config: Config, store: ResponseStore, period_name: str = "30d",
                 on_activity: Callable[[], object] | None = None) -> None:
        super().__init__(id="export-dialog")
        self.config = config
        self.store = store
        self.period_name = period_name  # the admin view's period, until staff pick another
        # Typing here is activity on the admin view: its idle lock is pushed back.
        self.on_activity = on_activity

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static("Export responses as CSV", id="export-title")
            yield Label("Period", classes="field-label")
            with Horizontal(id="export-periods"):
                for key, label in PERIODS.items():
                    button = Button(label, id=f"export-period-{key}", classes="period")
                    button.can_focus = False  # the selected period is the one highlight
                    yield button
            yield Label("File name", classes="field-label")
            yield Input(self._default_name(), id="export-name")
            yield Static(Content(f"written into {self.config.admin.export_dir}"),
                         id="export-dir")
            yield Static("", id="export-result")
            with Horizontal(id="export-actions"):
                write = Button("Write CSV", id="export-write", variant="primary")
                close = Button("Close", id="export-close")
                write.can_focus = close.can_focus = False
                yield write
                yield close

    def on_mount(self) -> None:
        self._mark_period()

    def _activity(self) -> None:
        if self.on_activity is not None:
            self.on_activity()

    def on_key(self, event: Key) -> None:
        self._activity()

    def on_mouse_down(self, event: MouseDown) -> None:
        self._activity()

    def _default_name(self) -> str:
        # The kiosk's calendar (its configured zone), like the admin view's periods.
        stamp = self.store.calendar.now().strftime("%Y%m%d-%H%M")
        return f"csat-{self.config.kiosk.id}-{self.period_name}-{stamp}.csv"

    def _mark_period(self) -> None:
        for key in PERIODS:
            self.query_one(f"#export-period-{key}", Button).set_class(
                key == self.period_name, "-selected")

    @on(Button.Pressed, ".period")
    def _period_pressed(self, event: Button.Pressed) -> None:
        self.period_name = (event.button.id or "").removeprefix("export-period-")
        self.query_one("#export-name", Input).value = self._default_name()
        self._mark_period()

    @on(Button.Pressed, "#export-write")
    def _write_pressed(self) -> None:
        self.write()

    @on(Button.Pressed, "#export-close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def _say(self, message: str, error: bool) -> None:
        # File names and OS errors are shown as written, never read as markup.
        result = self.query_one("#export-result", Static)
        result.update(Content(message))
        result.set_class(error, "-error")

    def write(self) -> None:
        try:
            target = safe_export_path(self.config.admin.export_dir,
                                      self.query_one("#export-name", Input).value)
        except ValueError as exc:
            self._say(f"✖ {exc}", True)
            return
        self._say("Writing…", False)
        since, until = self._range()
        self._write(target, since, until)

    def _range(self) -> tuple[date | None, date | None]:
        if self.period_name == "all":
            return None, None
        period = period_named(self.period_name, self.store.today())
        return period.start, period.end

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _write(self, target: Path, since: date | None, until: date | None) -> None:
        try:
            count = export_to_file(self.store.day_files(since, until), target,
                                   bom=self.config.admin.export_bom,
                                   on_bad=self.store.note_damage)
            message, error = f"✔ {count} response(s) written to {target}", False
        except OSError as exc:
            message, error = f"✖ cannot write {target}: {exc.strerror or exc}", True
        except UnreadableDataDir as exc:
            message, error = f"✖ {exc}", True
        self.app.call_from_thread(self._done, message, error)

    def _done(self, message: str, error: bool) -> None:
        if self.is_mounted:  # the dialog may have closed (idle lock) while writing
            self._say(message, error)
