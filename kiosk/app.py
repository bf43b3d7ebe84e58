"""KioskApp: wires the customer screens to the store, and locks the kiosk down."""
from __future__ import annotations

import signal
from time import monotonic
from collections.abc import Callable
from datetime import datetime

from textual.app import App
from textual.binding import Binding

from kiosk.config import Config
from kiosk.messages import RatingChosen
from kiosk.misuse import TapRule
from kiosk.models import Response, local_now, new_response_id
from kiosk.pin import PinVault
from kiosk.screens.admin import AdminScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.survey import SurveyScreen
from kiosk.screens.thanks import ThanksScreen
from kiosk.store import ResponseStore

# Keys that would leave, suspend or open something on a stock Textual app.
LOCKED_KEYS = "ctrl+q,ctrl+c,ctrl+p,ctrl+z,ctrl+backslash,ctrl+d"


class KioskApp(App):
    """The counter kiosk.  A customer can answer, and nothing else."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "csat-kiosk"
    ENABLE_COMMAND_PALETTE = False
    # Priority bindings are checked from the App down, before any screen.
    BINDINGS = [
        Binding(LOCKED_KEYS, "ignore", show=False, priority=True, system=True),
        Binding("escape", "ignore", show=False, system=True),
    ]

    def __init__(self, config: Config, store: ResponseStore,
                 clock: Callable[[], datetime] = local_now) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.clock = clock
        self.recorded: list[Response] = []  # handed to the store this run
        self.tap_rule = TapRule(config.misuse.max_taps, config.misuse.window_seconds)

    def on_mount(self) -> None:
        self.push_screen(SurveyScreen(
            self.config.survey.question,
            self.config.survey.labels,
            self.config.timing.idle_reset_seconds,
            admin_key=self.config.admin.key,
        ))
        self._install_signal_handlers()

    def _install_signal_handlers(self) -> None:
        """SIGTERM/SIGHUP end the kiosk cleanly: the CLI then drains the store."""
        try:
            import asyncio
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self.exit)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests) or no signals on this platform

    def action_ignore(self) -> None:
        """Locked keys do nothing at all on the kiosk."""

    async def action_quit(self) -> None:
        """Only the admin screen may end the app (it calls ``exit()`` itself)."""

    def action_open_admin(self) -> None:
        """The admin key or five taps on the question: PIN first, then the admin view."""
        if not isinstance(self.screen, SurveyScreen):
            return
        self.push_screen(PinScreen(PinVault(self.config.data_dir),
                                   self.config.timing.idle_reset_seconds), self._after_pin)

    def _after_pin(self, ok: bool | None) -> None:
        if ok:
            self.push_screen(AdminScreen(self.config, self.store), self._after_admin)

    def _after_admin(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit()

    def on_rating_chosen(self, message: RatingChosen) -> None:
        if not isinstance(self.screen, SurveyScreen):
            return  # a late tap from a screen that is already gone
        survey = self.config.survey
        response = Response(
            id=new_response_id(),
            timestamp=self.clock(),
            kiosk=self.config.kiosk.id,
            question=survey.question_id,
            score=message.score,
            label=survey.labels[message.score - 1],
            language=self.config.kiosk.language,
            flagged=self.tap_rule.is_flagged(monotonic()),
        )
        self.store.record(response)  # queued: the writer thread makes it durable
        self.recorded.append(response)
        self.push_screen(ThanksScreen(survey.thank_you, self.config.timing.thank_you_seconds))


class AdminApp(App):
    """`kiosk admin`: the PIN screen and admin view alone, for a back office.

    It only reads the data dir, so it runs beside the counter kiosk and shows
    its taps live."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "csat-kiosk admin"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding(LOCKED_KEYS, "ignore", show=False, priority=True, system=True)]

    def __init__(self, config: Config, store: ResponseStore) -> None:
        super().__init__()
        self.config = config
        self.store = store

    def on_mount(self) -> None:
        self._ask_pin()

    def action_ignore(self) -> None:
        """Quit from the admin view's button, like on the counter."""

    def _ask_pin(self) -> None:
        self.push_screen(PinScreen(PinVault(self.config.data_dir),
                                   self.config.admin.idle_lock_seconds), self._after_pin)

    def _after_pin(self, ok: bool | None) -> None:
        if ok:
            self.push_screen(AdminScreen(self.config, self.store, back_label="Lock"),
                             self._after_admin)
        else:
            self.exit()

    def _after_admin(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit()
        else:
            self._ask_pin()
