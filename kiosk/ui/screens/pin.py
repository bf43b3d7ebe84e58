"""PIN entry between the survey and the admin view: keypad, dots, lockout."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key, MouseDown
from textual.screen import Screen
from textual.widgets import Static

from kiosk.pin import MAX_DIGITS, PinVault
from kiosk.ui.screens.idle import IdleTimer
from kiosk.ui.widgets.keypad import Keypad
from kiosk.ui.widgets.tap import TapButton


class PinScreen(Screen[bool]):
    """Dismisses with True on the right PIN, False on cancel or idle."""

    # Below 24 rows the keypad keys are two rows tall instead of three.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]

    BINDINGS = [
        *(Binding(str(d), f"digit('{d}')", show=False) for d in range(10)),
        Binding("backspace", "back", show=False),
        Binding("enter", "submit", show=False),
        Binding("escape", "cancel", show=False),
    ]

    def __init__(self, vault: PinVault, idle_seconds: float) -> None:
        super().__init__(id="pin")
        self.vault = vault
        self.idle_seconds = idle_seconds
        self.entered = ""
        self._message = ""  # "Wrong PIN": shown until the next key

    def compose(self) -> ComposeResult:
        with Horizontal(id="pin-box"):
            with Vertical(id="pin-side"):
                yield Static("Staff access", id="pin-title")
                yield Static("", id="pin-dots")
                yield Static("", id="pin-message")
                yield TapButton("Cancel", id="pin-cancel")
            yield Keypad(id="keypad")

    def on_mount(self) -> None:
        self._idle = IdleTimer(self, self.idle_seconds, self.action_cancel)
        self._idle.restart()
        self.set_interval(1.0, self._show_state)
        self._show_state()

    def _touch(self) -> None:
        self._idle.restart()

    def on_key(self, event: Key) -> None:
        self._touch()

    def on_mouse_down(self, event: MouseDown) -> None:
        self._touch()

    def _next_key(self) -> None:
        """A key was pressed: the last "Wrong PIN" has been read."""
        self._message = ""

    def _show_state(self, message: str | None = None) -> None:
        self.query_one("#pin-dots", Static).update(
            " ".join("●" for _ in self.entered) or "Enter the PIN")
        note = self.query_one("#pin-message", Static)
        if not self.vault.is_set():
            note.update("No admin PIN is set. On this machine run:  kiosk set-pin")
            note.set_class(True, "-error", "answer-1")
            return
        wait = self.vault.locked_for()
        if message is not None:
            self._message = message  # shown until the next key
        shown: str | None = self._message or None
        if wait > 0:
            shown = f"Too many wrong PINs. Locked for {wait:.0f} s."
        if self.vault.problem:  # a refusing disk: no PIN is checked until it records tries
            shown = f"{shown} {self.vault.problem}" if shown else self.vault.problem
        if shown is not None:
            note.update(Text(shown))
            note.set_class(True, "-error", "answer-1")
        else:
            note.update("")
            note.set_class(False, "-error", "answer-1")

    def action_digit(self, digit: str) -> None:
        self._next_key()
        if len(self.entered) < MAX_DIGITS:
            self.entered += digit
        self._show_state()

    def action_back(self) -> None:
        self._next_key()
        self.entered = self.entered[:-1]
        self._show_state()

    def action_submit(self) -> None:
        if not self.entered or not self.vault.is_set():
            return
        attempt = self.vault.try_pin(self.entered)
        self.entered = ""
        if attempt.ok:
            self.dismiss(True)
        elif attempt.locked_for > 0 or not attempt.checked:  # not checked: vault.problem says why
            self._show_state()
        else:
            self._show_state(f"Wrong PIN. {attempt.tries_left} tries before a lock.")

    def action_cancel(self) -> None:
        self.entered = ""
        if self.is_current:
            self.dismiss(False)

    @on(Keypad.Pressed)
    def _keypad_pressed(self, event: Keypad.Pressed) -> None:
        self._touch()
        if event.key == "back":
            self.action_back()
        elif event.key == "ok":
            self.action_submit()
        else:
            self.action_digit(event.key)

    @on(TapButton.Pressed, "#pin-cancel")
    def _cancel_tapped(self) -> None:
        self.action_cancel()
