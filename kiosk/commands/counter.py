"""`kiosk run` (the counter itself: signals, the background sync) and `kiosk set-pin`."""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TYPE_CHECKING, Any

from kiosk.commands import UsageError
from kiosk.config import Config, ensure_data_dir
from kiosk.store.fallback import save_unwritten
from kiosk.store.response_store import ResponseStore

if TYPE_CHECKING:
    from kiosk.fleet.sync import SyncThread


class _StopOnSignal:
    """SIGTERM/SIGHUP from the first instant of `kiosk run`, before anything slow.

    Before the app runs, a signal is noted and the start-up ends at its next step (no
    exception is raised from the handler: raised inside an import it comes out as some
    other error); while the app runs, it asks the app to exit (the app's own handlers
    take over once it is mounted); while the store drains at the end it is ignored, so
    the drain is not cut short."""

    SIGNALS = (signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.app: Any = None
        self.requested = False
        self.draining = False
        self._before = {sig: signal.getsignal(sig) for sig in self.SIGNALS}
        for sig in self.SIGNALS:
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.draining:
            return
        self.requested = True
        if self.app is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # the app's loop is not running yet: checked before it starts
            loop.call_soon_threadsafe(self.app.exit)

    def stopping(self) -> bool:
        """Whether a signal asked to stop (it may arrive between any two lines)."""
        return self.requested

    def drain(self) -> None:
        """The app is over: from here a signal must not interrupt saving the taps."""
        self.draining = True
        for sig in self.SIGNALS:  # closing the app's loop put back the default (kill)
            signal.signal(sig, self._on_signal)

    def restore(self) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace, config: Config) -> int:
    stop = _StopOnSignal()  # first: importing Textual and opening the store take a while
    try:
        from kiosk.ui.app import KioskApp  # Textual loads only for the UI

        if stop.stopping():
            return 0
        ensure_data_dir(config, from_flag=bool(args.data_dir), serving=True)  # full disk: serve
        store = ResponseStore(config.data_dir, tz=config.kiosk.timezone).open_writer()
    finally:
        if stop.stopping() or sys.exc_info()[0] is not None:
            stop.restore()
    if stop.stopping():
        store.close()  # nothing recorded yet
        return 0
    syncing = _start_sync(config, store)
    try:
        app = KioskApp(config, store)
        stop.app = app
        if not stop.stopping():
            app.run()
        return_code = app.return_code or 0
    finally:
        stop.drain()
        if syncing is not None:
            syncing.stop()
        unwritten = store.close()
        if unwritten:
            saved = save_unwritten(unwritten, config.data_dir)
            print(f"kiosk: {len(unwritten)} response(s) could not be written to "
                  f"{config.data_dir}; saved to {saved}", file=sys.stderr)
        stop.restore()
    # Non-zero after a crash, so that the supervisor (Restart=on-failure) restarts it.
    return return_code


def _start_sync(config: Config, store: ResponseStore) -> SyncThread | None:
    """With [sync]: the background push to the fleet database (its own thread and
    connection; a tap only wakes it).  Without: nothing, and psycopg is not loaded."""
    if config.sync is None:
        return None
    from kiosk.fleet.sync import Syncer, SyncThread

    thread = SyncThread(Syncer(config), interval=config.sync.interval_seconds)
    store.add_listener(lambda _response: thread.wake())
    return thread.start()


def set_pin(args: argparse.Namespace, config: Config) -> int:
    """Asks twice without echo on a terminal; reads one line when piped."""
    import getpass

    from kiosk.pin import PinError, PinVault, check_pin_format

    ensure_data_dir(config, from_flag=bool(args.data_dir))
    try:
        if sys.stdin.isatty():
            pin = getpass.getpass("New admin PIN (4-12 digits): ")
            check_pin_format(pin)
            if getpass.getpass("Once more: ") != pin:
                raise UsageError("kiosk set-pin: the two PINs differ; nothing changed")
        else:
            pin = sys.stdin.readline().rstrip("\r\n")
        PinVault(config.data_dir).set_pin(pin)
    except PinError as exc:
        raise UsageError(f"kiosk set-pin: {exc}; nothing changed") from None
    except EOFError:
        raise UsageError("kiosk set-pin: no PIN given; nothing changed") from None
    except OSError as exc:
        raise UsageError(f"kiosk set-pin: cannot write the PIN to {config.data_dir} "
                         f"({exc.strerror}); free some space or fix the disk, then try again") from None
    print(f"kiosk: admin PIN set for {config.data_dir} (stored as a salted hash)", file=sys.stderr)
    return 0
