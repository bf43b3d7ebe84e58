"""KioskApp: wires the customer screens to the store, and locks the kiosk down."""
from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import datetime
from time import monotonic

from textual import on, work
from textual.app import App
from textual.binding import Binding

from kiosk.config import Config
from kiosk.hours import OpeningHours
from kiosk.i18n import Texts
from kiosk.misuse import TapRule
from kiosk.models import Response, new_response_id
from kiosk.pin import PinVault
from kiosk.store.response_store import Receipt, ResponseStore
from kiosk.ui.crash import PlainCrash
from kiosk.ui.keys import LOCKED_KEYS  # also what the config check refuses as the admin key
from kiosk.ui.messages import AdminRequested, RatingChosen
from kiosk.ui.palette import apply_palette
from kiosk.ui.screens.admin import AdminScreen
from kiosk.ui.screens.followup import FollowupScreen
from kiosk.ui.screens.nps import NpsScreen
from kiosk.ui.screens.pin import PinScreen
from kiosk.ui.screens.rest import ClosedScreen
from kiosk.ui.screens.survey import ADMIN_BINDING, SurveyScreen
from kiosk.ui.screens.thanks import ThanksScreen

# The thank-you waits for the tap to be durable (under a millisecond on a healthy
# disk), at most this long; then it shows anyway and the admin view counts the
# taps not yet on disk (store.pending).
DURABLE_WAIT_SECONDS = 0.15
# Of which the event loop itself may wait this long (a healthy disk syncs well inside it).
QUICK_DURABLE_SECONDS = 0.02


class KioskApp(PlainCrash, App[None]):
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
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.clock = clock or store.calendar.now  # the kiosk's zone, not the process's
        self.tap_rule = TapRule(config.misuse.max_taps, config.misuse.window_seconds)
        self.hours = OpeningHours(config.rest.open, config.rest.close)
        # One vault for the process: its lockout holds in memory when the disk refuses it.
        self.pin_vault = PinVault(config.data_dir)
        # True from a customer's answer until their thank-you is pushed: between the
        # follow-up, the NPS and the thank-you the survey shows for a moment, and a
        # tap there is the same customer still tapping, not the next one.
        self._serving = False

    def on_mount(self) -> None:
        apply_palette(self)
        self.set_keymap({ADMIN_BINDING: self.config.admin.key})
        self.push_screen(SurveyScreen(
            self.config.texts,
            self.config.kiosk.languages,
            self.config.kiosk.language,
            self.config.timing.idle_reset_seconds,
            attract_seconds=self.config.rest.attract_seconds,
            input_mode=self.config.kiosk.input,
            attract_message=self.config.rest.message or "",
        ))
        self._install_signal_handlers()
        self.check_hours()
        self.set_interval(15, self.check_hours)

    def is_open(self) -> bool:
        return self.hours.is_open(self.clock())

    def check_hours(self) -> None:
        """Outside opening hours the customer screens give way to the closed screen."""
        if not self.is_open() and isinstance(self.screen, SurveyScreen):
            texts = self.config.texts()
            self.push_screen(ClosedScreen(texts.closed, self.is_open))

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

    @on(AdminRequested)
    def _admin_requested(self) -> None:
        self.action_open_admin()

    def action_open_admin(self) -> None:
        """The admin key or five taps on the question: PIN first, then the admin view."""
        if not isinstance(self.screen, (SurveyScreen, ClosedScreen)):
            return
        self.push_screen(PinScreen(self.pin_vault,
                                   self.config.timing.idle_reset_seconds), self._after_pin)

    def _after_pin(self, ok: bool | None) -> None:
        if ok:
            self.push_screen(AdminScreen(self.config, self.store), self._after_admin)

    def _after_admin(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit()

    def on_rating_chosen(self, message: RatingChosen) -> None:
        if not isinstance(self.screen, SurveyScreen) or self._serving:
            return  # a late tap from a screen that is already gone, or the same customer's
        if not self.is_open():
            self.check_hours()  # closed: nothing is recorded
            return
        texts = self.config.texts(message.language)
        response = Response(
            id=new_response_id(),
            timestamp=self.clock(),
            kiosk=self.config.kiosk.id,
            question=self.config.survey.question_id,
            score=message.score,
            label=texts.labels[message.score - 1],
            language=message.language,
            flagged=self.tap_rule.is_flagged(monotonic()),
        )
        receipt = self.store.record(response)  # queued: the writer thread makes it durable
        # Acknowledged means durable.  A short wait right here, before anything repaints,
        # hands the interpreter to the writer thread at once: on a healthy disk the tap
        # is on disk in about a millisecond instead of queueing behind a repaint for the
        # GIL (benchmarks/tap_latency.py).  A slower disk is waited for off the event
        # loop, in after_answer.
        receipt.wait(QUICK_DURABLE_SECONDS)
        self._serving = True
        self.after_answer(response, texts, receipt)

    @work(exclusive=True, group="customer")
    async def after_answer(self, response: Response, texts: Texts, receipt: Receipt) -> None:
        """Follow-up after a low score, NPS if enabled, then thank you; what the
        customer adds is written onto the same record."""
        try:
            await self._ask_more(response, texts, receipt)
        finally:
            self._serving = False  # the thank-you, pushed next, ignores taps itself
        await self.push_screen_wait(ThanksScreen(texts.thank_you,
                                                 self.config.timing.thank_you_seconds))

    async def _ask_more(self, response: Response, texts: Texts, receipt: Receipt) -> None:
        followup, nps = self.config.followup, self.config.nps
        extra: dict[str, object] = {}
        if followup.enabled and response.score <= followup.threshold:
            reason, comment = await self.push_screen_wait(
                FollowupScreen(texts, followup.reasons, followup.seconds, followup.comment,
                               self.config.kiosk.input))
            extra.update({key: value for key, value in (("reason", reason), ("comment", comment))
                          if value is not None})
        if nps.enabled:
            score = await self.push_screen_wait(NpsScreen(texts, nps.seconds, self.config.kiosk.input))
            if score is not None:
                extra["nps"] = score
        if extra:
            receipt = self.store.annotate(response, extra)
        # Thank only once the answer (and what was added to it) is on disk; off the event loop.
        if not receipt.is_set():
            await asyncio.to_thread(receipt.wait, DURABLE_WAIT_SECONDS)


class AdminApp(PlainCrash, App[None]):
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
        self.pin_vault = PinVault(config.data_dir)  # one per process, as on the counter

    def on_mount(self) -> None:
        apply_palette(self)
        self._ask_pin()

    def action_ignore(self) -> None:
        """Quit from the admin view's button, like on the counter."""

    def _ask_pin(self) -> None:
        self.push_screen(PinScreen(self.pin_vault,
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
