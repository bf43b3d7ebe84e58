"""What each ``kiosk`` subcommand does, once ``kiosk/cli.py`` has parsed argv.

    counter.py  kiosk run (signals, the background sync), kiosk set-pin
    manager.py  kiosk admin, kiosk serve: the staff's views in a terminal or a browser
    data.py     kiosk export, stats, demo, import: data in and out, headless
    fleet.py    kiosk sync, kiosk fleet ...: the chain's database

Each command is ``name(args, config) -> exit status``; a person's mistake raises
``UsageError`` (one line, exit 2).  May import every kiosk package; Textual only lazily,
inside the commands that draw, so headless commands start fast.
"""
from __future__ import annotations

USAGE_ERROR = 2


class UsageError(Exception):
    """A mistake in how the command was called, as one line."""
