"""The floor for key press -> durable tap in a Textual app: on every key "4", append one
JSON line to a file and fdatasync it, then say thanks.  Used by tap_latency.py.

    python benchmarks/minimal_tap_app.py FILE
"""
from __future__ import annotations

import os
import sys
import time

from textual.app import App, ComposeResult
from textual.events import Key
from textual.widgets import Static


class MinimalTapApp(App[None]):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self.taps = 0

    def compose(self) -> ComposeResult:
        yield Static("How satisfied are you? Press 1-5", id="question")

    def on_key(self, event: Key) -> None:
        if event.key in "12345":
            self.taps += 1
            os.write(self.fd, b'{"score":%s,"ts":%d}\n' % (event.key.encode(), time.time_ns()))
            os.fdatasync(self.fd)
            self.query_one("#question", Static).update(f"Thank you ({self.taps})")


if __name__ == "__main__":
    MinimalTapApp(sys.argv[1]).run()
