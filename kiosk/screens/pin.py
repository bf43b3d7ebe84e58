"""PIN entry between the survey and the admin view: keypad, dots, lockout."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.events import Key, MouseDown
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.pin import MAX_DIGITS, PinVault
from kiosk.screens.idle import IdleTimer
from kiosk.widgets.keypad import Keypad


class PinScreen(Screen[bool]):
    """Dismisses with True on the right PIN, False on cancel or idle."""

    # On a short terminal the keypad keys shrink to one row each.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (28, "-tall")]

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

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="pin-box"):
                yield Static("Staff access", id="pin-title")
                yield Static("", id="pin-dots")
                yield Static("", id="pin-message")
                yield Keypad(id="keypad")
                cancel = Button("Cancel", id="pin-cancel", variant="default")
                cancel.can_focus = False
                yield cancel

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

    def _show_state(self, message: str | None = None) -> None:
        self.query_one("#pin-dots", Static).update(
            " ".join("●" for _ in self.entered) or "Enter the PIN")
        note = self.query_one("#pin-message", Static)
        if not self.vault.is_set():
            note.update("No admin PIN is set. On this machine run:  kiosk set-pin")
            note.set_class(True, "-error")
            return
        wait = self.vault.locked_for()
        if wait > 0:
            message = f"Too many wrong PINs. Locked for {wait:.0f} s."
        if self.vault.problem:  # a full or failing disk: the lock still holds in memory
            message = f"{message} {self.vault.problem}" if message else self.vault.problem
        if message is not None:
            note.update(message)
            note.set_class(True, "-error")
        elif not self.entered:
            note.update("")

    def action_digit(self, digit: str) -> None:
        if len(self.entered) < MAX_DIGITS:
            self.entered += digit
        self._show_state()

    def action_back(self) -> None:
        self.entered = self.entered[:-1]
        self._show_state()

    def action_submit(self) -> None:
        if not self.entered or not self.vault.is_set():
            return
        attempt = self.vault.try_pin(self.entered)
        self.entered = ""
        if attempt.ok:
            self.dismiss(True)
        elif attempt.locked_for > 0:
            self._show_state()
        else:
            self._show_state(f"Wrong PIN. {attempt.tries_left} tries before a lock.")

    def action_cancel(self) -> None:
        self.entered = ""
        if self.is_current:
            self.dismiss(False)

    def on_keypad_pressed(self, event: Keypad.Pressed) -> None:
        self._touch()
        if event.key == "back":
            self.action_back()
        elif event.key == "ok":
            self.action_submit()
        else:
            self.action_digit(event.key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "pin-cancel":
            self.action_cancel()
