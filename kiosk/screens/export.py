"""Export from the admin view: choose the period, write a CSV into the export dir."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.config import Config
from kiosk.dashboard import PERIODS
from kiosk.export import UnreadableDataDir, export_to_file, safe_export_path
from kiosk.store import ResponseStore
from scoring import period_named


class ExportScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, config: Config, store: ResponseStore, period_name: str = "30d") -> None:
        super().__init__(id="export-dialog")
        self.config = config
        self.store = store
        self.period_name = period_name  # the admin view's period, until staff pick another

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static("Export responses as CSV", id="export-title")
            with Horizontal(id="export-periods"):
                for key, label in PERIODS.items():
                    yield Button(label, id=f"export-period-{key}", classes="period")
            yield Static(f"into {self.config.admin.export_dir}", id="export-dir")
            yield Input(self._default_name(), id="export-name")
            yield Static("", id="export-result")
            with Horizontal(id="export-actions"):
                yield Button("Write CSV", id="export-write", variant="primary")
                yield Button("Close", id="export-close")

    def on_mount(self) -> None:
        self._mark_period()

    def _default_name(self) -> str:
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return f"csat-{self.config.kiosk.id}-{self.period_name}-{stamp}.csv"

    def _mark_period(self) -> None:
        for key in PERIODS:
            self.query_one(f"#export-period-{key}", Button).set_class(
                key == self.period_name, "-selected")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("export-period-"):
            self.period_name = button_id.removeprefix("export-period-")
            self.query_one("#export-name", Input).value = self._default_name()
            self._mark_period()
        elif button_id == "export-write":
            self.write()
        elif button_id == "export-close":
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)

    def write(self) -> None:
        result = self.query_one("#export-result", Static)
        try:
            target = safe_export_path(self.config.admin.export_dir,
                                      self.query_one("#export-name", Input).value)
        except ValueError as exc:
            result.update(f"✖ {exc}")
            result.set_class(True, "-error")
            return
        result.update("Writing…")
        result.set_class(False, "-error")
        since, until = self._range()
        self._write(target, since, until)

    def _range(self) -> tuple[date | None, date | None]:
        if self.period_name == "all":
            return None, None
        period = period_named(self.period_name, date.today())
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
        result = self.query_one("#export-result", Static)
        result.update(message)
        result.set_class(error, "-error")
