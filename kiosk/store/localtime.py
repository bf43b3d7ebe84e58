"""The kiosk's one calendar: the configured IANA zone, and "now" in it.

Every day, hour and weekday the kiosk shows or files a response under is taken
in this zone (``[kiosk] timezone``, default the system's zone by name), never in
the zone of whichever process happens to read the data: a ``TZ=UTC kiosk stats``
and the Amsterdam counter agree.  Bucketing itself is
``scoring.local_day_and_hour`` (one rule, one function).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scoring import local_day_and_hour

ZONEINFO_DIRS = ("/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo")


def system_zone_name(environ: dict[str, str] | None = None,
                     localtime: Path = Path("/etc/localtime"),
                     timezone_file: Path = Path("/etc/timezone")) -> str:
    """The system's zone as an IANA name: ``TZ`` if it names one, else the
    target of the /etc/localtime link, else /etc/timezone, else "UTC"."""
    env = os.environ if environ is None else environ
    tz = env.get("TZ", "").removeprefix(":").strip()
    if tz and _is_zone(tz):
        return tz
    for directory in ZONEINFO_DIRS:
        if tz.startswith(directory + "/") and _is_zone(tz[len(directory) + 1:]):
            return tz[len(directory) + 1:]
    try:
        target = os.path.realpath(localtime)
        marker = "/zoneinfo/"
        if marker in target:
            name = target.split(marker, 1)[1]
            if _is_zone(name):
                return name
    except OSError:
        pass
    try:
        name = timezone_file.read_text(encoding="utf-8").strip()
        if name and _is_zone(name):
            return name
    except (OSError, UnicodeDecodeError):
        pass
    return "UTC"


def _is_zone(name: str) -> bool:
    return zone_problem(name) is None


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable IANA zone name, or None."""
    if not name or name != name.strip() or "\0" in name or name.startswith(("/", ".")) \
            or ".." in name:
        return f"{name!r} is not an IANA time zone name (like \"Europe/Paris\" or \"UTC\")"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {name!r}; use an IANA name like \"Europe/Paris\" or \"UTC\""
    return None


# The zone a data dir's days are filed in, written by its first writer: a day file holds
# one local day of that zone, so every later process (whatever its TZ) reads it in it.
ZONE_FILE = "timezone"


def recorded_zone(data_dir: Path) -> str | None:
    """The zone ``data_dir`` was filed in, or None (new, or written before zones were kept)."""
    from kiosk.store.storage import read_regular

    try:
        name = read_regular(data_dir / ZONE_FILE).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if _is_zone(name) else None


def record_zone(data_dir: Path, name: str) -> None:
    """Keep ``name`` as the data dir's zone unless it already has one (the writer calls this
    under the data dir's lock)."""
    from kiosk.store.storage import write_atomic

    if recorded_zone(data_dir) is None:
        write_atomic(data_dir / ZONE_FILE, (name + "\n").encode("utf-8"))


def zone(name: str | None = None) -> ZoneInfo:
    """The named zone (default: the system's, by name)."""
    return ZoneInfo(name or system_zone_name())


class Calendar:
    """Days and hours in one zone, with an injectable clock (tests set the time)."""

    def __init__(self, tz: tzinfo | str | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.tz: tzinfo = tz if isinstance(tz, tzinfo) else zone(tz)
        self._clock = clock  # returns an aware datetime; None: the system clock

    @property
    def name(self) -> str:
        """The zone's IANA name (recorded in caches built with it)."""
        return getattr(self.tz, "key", None) or str(self.tz)

    def now(self) -> datetime:
        """Now, aware, in the zone (what a new response is stamped with)."""
        if self._clock is None:
            return datetime.now(self.tz)
        return self._clock().astimezone(self.tz)

    def today(self) -> date:
        return self.now().date()

    def day_of(self, timestamp: datetime) -> date:
        """The local day a timestamp belongs to (the day file it is filed in)."""
        return local_day_and_hour(timestamp, self.tz)[0]

    def day_and_hour(self, timestamp: datetime) -> tuple[date, int]:
        return local_day_and_hour(timestamp, self.tz)
