"""config.toml -> frozen dataclasses, validated strictly.

Every mistake a person can make in the file ends in one ``ConfigError`` whose
message names the file, the table and the key, and says how to fix it.
"""
from __future__ import annotations

import difflib
import math
import os
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.i18n import Texts


class ConfigError(Exception):
    """A configuration mistake, as one line for the person who made it."""


ALL_LANGUAGES = ("en", "fr", "nl", "ru", "zh", "pt")


@dataclass(frozen=True)
class KioskConfig:
    id: str = "counter-1"
    data_dir: Path = Path("data")
    language: str = "en"  # the default language: every new customer starts in it
    languages: tuple[str, ...] = ALL_LANGUAGES  # offered on the language bar, in order
    input: str = "touch"  # "touch", "keys" or "both": decides hints and key prefixes
    # IANA zone of every day, hour and weekday the kiosk files and shows.
    timezone: str = field(default_factory=lambda: _system_zone())


@dataclass(frozen=True)
class SurveyConfig:
    question_id: str = "visit-satisfaction"
    # None: the default language's text from kiosk/locales; set: overrides it.
    question: str | None = None
    labels: tuple[str, ...] | None = None
    satisfied_threshold: int = 4
    thank_you: str | None = None


@dataclass(frozen=True)
class FollowupConfig:
    enabled: bool = True
    threshold: int = 2  # scores at or below it are asked "what went wrong?"
    reasons: tuple[str, ...] = ("waiting", "staff", "product", "price", "cleanliness", "other")
    seconds: float = 15.0  # then it counts as Skip
    comment: bool = False  # a short free-text comment (keyboards only)


@dataclass(frozen=True)
class NpsConfig:
    enabled: bool = False
    seconds: float = 15.0


@dataclass(frozen=True)
class RestConfig:
    attract_seconds: float = 60.0  # idle survey -> attract screen (0: never)
    message: str | None = None  # the shop's own attract text; None: the localized one
    open: str | None = None  # "08:00"; with close, outside these hours the kiosk is closed
    close: str | None = None


@dataclass(frozen=True)
class TimingConfig:
    thank_you_seconds: float = 4.0
    idle_reset_seconds: float = 30.0


@dataclass(frozen=True)
class AdminConfig:
    key: str = "f12"
    target_csat: float = 80.0
    min_responses: int = 30
    export_dir: Path = Path("exports")
    export_bom: bool = False
    idle_lock_seconds: float = 120.0


@dataclass(frozen=True)
class MisuseConfig:
    max_taps: int = 3
    window_seconds: float = 30.0


@dataclass(frozen=True)
class SyncConfig:
    """[sync]: push responses to the fleet's PostgreSQL (kiosk/fleet/).  Absent: no sync."""

    url: str  # libpq URL or key=value string, WITHOUT the password
    password_file: Path | None = None  # a file only its owner may read (mode 0600)
    password_env: str | None = None  # or: the name of an environment variable
    interval_seconds: float = 10.0  # a pass at least this often (and after each tap)
    batch: int = 1000  # journal lines per transaction


@dataclass(frozen=True)
class Config:
    path: Path
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    survey: SurveyConfig = field(default_factory=SurveyConfig)
    timing: TimingConfig = field(default_factory=TimingConfig)
    admin: AdminConfig = field(default_factory=AdminConfig)
    misuse: MisuseConfig = field(default_factory=MisuseConfig)
    followup: FollowupConfig = field(default_factory=FollowupConfig)
    nps: NpsConfig = field(default_factory=NpsConfig)
    rest: RestConfig = field(default_factory=RestConfig)
    sync: SyncConfig | None = None
    text_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Texts per language, built once (the config never changes after loading).
    _texts: dict[str, Texts] = field(default_factory=dict, init=False, compare=False,
                                       repr=False)

    def texts(self, language: str | None = None) -> Texts:
        """Customer texts in ``language`` (default: the kiosk's), overrides applied."""
        language = language or self.kiosk.language
        if language not in self._texts:
            self._texts[language] = self._build_texts(language)
        return self._texts[language]

    def _build_texts(self, language: str) -> Texts:
        from kiosk.i18n import load_texts

        default = self.kiosk.language
        overrides = {code: dict(values) for code, values in self.text_overrides.items()}
        survey = {key: value for key, value in (("question", self.survey.question),
                                                ("labels", self.survey.labels),
                                                ("thank_you", self.survey.thank_you))
                  if value is not None}
        if survey:
            # [survey] texts are written in the default language: a layer under [texts.xx].
            overrides[default] = {**survey, **overrides.get(default, {})}
            if "labels" in overrides[default]:
                overrides[default]["labels"] = list(overrides[default]["labels"])
        return load_texts(language, default=default, overrides=overrides)

    @property
    def data_dir(self) -> Path:
        return self.kiosk.data_dir


def _system_zone() -> str:
    from kiosk.store.localtime import system_zone_name

    return system_zone_name()


def _data_dir_zone(path: Path, data_dir: Path, configured: str | None) -> str:
    """The one zone of this kiosk: the data dir's own (its days are filed in it) unless
    the config names one; a configured zone that contradicts the data is refused, since
    its days cannot move zone."""
    from kiosk.store.localtime import ZONE_FILE, recorded_zone

    recorded = recorded_zone(data_dir)
    if configured is None:
        return recorded or _system_zone()
    if recorded is not None and recorded != configured:
        raise ConfigError(
            f"{path}: [kiosk] timezone: {configured!r}, but the answers in {data_dir} are "
            f"filed by day in {recorded!r} (see {data_dir / ZONE_FILE}); set "
            f"timezone = \"{recorded}\", or start a new data dir for the new zone")
    return configured


def _timezone(value: str) -> str | None:
    from kiosk.store.localtime import zone_problem

    return zone_problem(value)


# Each key: (python type(s) accepted, check returning an error text or None).
def _non_empty(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


MIN_SECONDS = 0.1  # below this a timer fires before anyone can see or touch the screen


def _seconds(value: float) -> str | None:
    if not MIN_SECONDS <= value <= 24 * 3600:
        return f"must be between {MIN_SECONDS} and 86400 seconds (a day), got {value}"
    return None


def _seconds_or_off(value: float) -> str | None:
    """For the timers whose comment in config.toml says "0: never"."""
    if value == 0:
        return None
    problem = _seconds(value)
    return f"{problem} (0 turns it off)" if problem else None


def _threshold(value: int) -> str | None:
    return None if 1 <= value <= 5 else f"must be between 1 and 5, got {value}"


def _labels(value: list[Any]) -> str | None:
    if len(value) != 5:
        return f"needs exactly 5 labels (from 1 = worst to 5 = best), got {len(value)}"
    for i, label in enumerate(value, 1):
        if not isinstance(label, str) or not label.strip():
            return f"label {i} must be a non-empty string"
    return None


def _percent(value: float) -> str | None:
    return None if 0 <= value <= 100 else f"must be between 0 and 100, got {value}"


def _positive(value: int) -> str | None:
    return None if value >= 1 else f"must be 1 or more, got {value}"


def _key_name(value: str) -> str | None:
    from kiosk.ui.keys import admin_key_problem

    return admin_key_problem(value)


def _path(value: str) -> str | None:
    if "\0" in value:
        return "must not contain a NUL character"
    return _non_empty(value)


_NUMBER = (int, float)


def _language(value: str) -> str | None:
    from kiosk.i18n import shipped_languages

    shipped = shipped_languages()
    return None if value in shipped else f"'{value}' has no texts; shipped: {', '.join(shipped)}"


def _languages(value: list[Any]) -> str | None:
    if not value:
        return "offer at least one language"
    for index, code in enumerate(value):
        if not isinstance(code, str):
            return f"language codes are strings, got {code!r}"
        problem = _language(code)
        if problem:
            return problem
        if code in value[:index]:
            return f"'{code}' is listed twice; list each language once"
    return None


def _input_mode(value: str) -> str | None:
    from kiosk.i18n import INPUT_MODES

    if value in INPUT_MODES:
        return None
    return f"must be one of {', '.join(repr(m) for m in INPUT_MODES)}, got {value!r}"


def _reasons(value: list[Any]) -> str | None:
    if not 1 <= len(value) <= 6:
        return f"give 1 to 6 reasons, got {len(value)}"
    if not all(isinstance(v, str) and v.strip() for v in value):
        return "every reason must be a non-empty string"
    return None


def _clock_time(value: str) -> str | None:
    import re

    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        return f"must be a time like \"08:30\" (24-hour), got {value!r}"
    return None


def _optional_text(value: str) -> str | None:
    return None


def _database_url(value: str) -> str | None:
    import re
    from urllib.parse import urlsplit

    text = value.strip()
    if not text:
        return "must not be empty"
    try:
        in_userinfo = text.startswith(("postgresql://", "postgres://")) and (
            urlsplit(text).password is not None)
    except ValueError:
        return "is not a valid postgresql:// URL"
    # key=value strings and URL query parameters name it the same way.
    if in_userinfo or re.search(r"(^|[\s?&])password\s*=", text, re.IGNORECASE):
        # Never echo the value: it holds a secret.
        return ("holds a password; remove it and put the password in a file of mode 0600 "
                "named by password_file, or in the variable named by password_env")
    return None


def _env_name(value: str) -> str | None:
    import re

    ok = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value)
    return None if ok else f"must be an environment variable name, got {value!r}"


def _reason_texts(value: dict[str, Any]) -> str | None:
    for reason, text in value.items():
        if not isinstance(text, str) or not text.strip():
            return f"reason '{reason}' must be a non-empty string, got {text!r}"
    return None

SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], Any]]] = {
    "kiosk": {
        "id": ((str,), _non_empty),
        "data_dir": ((str,), _path),
        "language": ((str,), _language),
        "languages": ((list,), _languages),
        "input": ((str,), _input_mode),
        "timezone": ((str,), _timezone),
    },
    "survey": {
        "question_id": ((str,), _non_empty),
        "question": ((str,), _non_empty),
        "labels": ((list,), _labels),
        "satisfied_threshold": ((int,), _threshold),
        "thank_you": ((str,), _non_empty),
    },
    "timing": {
        "thank_you_seconds": (_NUMBER, _seconds),
        "idle_reset_seconds": (_NUMBER, _seconds),
    },
    "admin": {
        "key": ((str,), _key_name),
        "target_csat": (_NUMBER, _percent),
        "min_responses": ((int,), _positive),
        "export_dir": ((str,), _path),
        "export_bom": ((bool,), lambda value: None),
        "idle_lock_seconds": (_NUMBER, _seconds),
    },
    "misuse": {
        "max_taps": ((int,), _positive),
        "window_seconds": (_NUMBER, _seconds),
    },
    "followup": {
        "enabled": ((bool,), _optional_text),
        "threshold": ((int,), _threshold),
        "reasons": ((list,), _reasons),
        "seconds": (_NUMBER, _seconds),
        "comment": ((bool,), _optional_text),
    },
    "nps": {
        "enabled": ((bool,), _optional_text),
        "seconds": (_NUMBER, _seconds),
    },
    "rest": {
        "attract_seconds": (_NUMBER, _seconds_or_off),
        "message": ((str,), _non_empty),
        "open": ((str,), _clock_time),
        "close": ((str,), _clock_time),
    },
    "sync": {
        "url": ((str,), _database_url),
        "password_file": ((str,), _non_empty),
        "password_env": ((str,), _env_name),
        "interval_seconds": (_NUMBER, _seconds),
        "batch": ((int,), _positive),
    },
}

# [texts.<language>] tables may override these customer texts of that language.
TEXT_SCHEMA: dict[str, tuple[tuple[type, ...], Any]] = {
    "name": ((str,), _non_empty), "question": ((str,), _non_empty),
    "labels": ((list,), _labels), "hint": ((str,), _optional_text),
    "key_hint": ((str,), _optional_text), "nps_key_hint": ((str,), _optional_text),
    "thank_you": ((str,), _non_empty), "followup_question": ((str,), _non_empty),
    "skip": ((str,), _non_empty), "comment_prompt": ((str,), _non_empty),
    "nps_question": ((str,), _non_empty), "nps_low": ((str,), _optional_text),
    "nps_high": ((str,), _optional_text), "nps_hint": ((str,), _optional_text),
    "closed": ((str,), _non_empty),
    "attract": ((str,), _non_empty), "reasons": ((dict,), _reason_texts),
}

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list",
               bool: "true or false", dict: "a table"}


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_text(types: tuple[type, ...]) -> str:
    return "a number" if types == _NUMBER else _TYPE_NAMES[types[0]]


def _validate(path: Path, raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Check tables, keys and types; returns the checked values."""
    checked: dict[str, dict[str, Any]] = {}
    for table, values in raw.items():
        if table == "texts":
            checked["texts"] = _validate_texts(path, values)
            continue
        if table not in SCHEMA:
            raise ConfigError(
                f"{path}: unknown table [{table}]{_did_you_mean(table, SCHEMA)}; "
                f"known tables: {', '.join(SCHEMA)}"
            )
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: '{table}' must be a table, written [{table}]")
        checked[table] = _check_keys(path, table, values, SCHEMA[table])
    return checked


def _validate_texts(path: Path, raw: Any) -> dict[str, dict[str, Any]]:
    from kiosk.i18n import shipped_languages

    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: 'texts' must hold tables such as [texts.fr]")
    checked = {}
    for language, values in raw.items():
        table = f"texts.{language}"
        if language not in shipped_languages():
            raise ConfigError(f"{path}: [{table}] unknown language"
                              f"{_did_you_mean(language, shipped_languages())}; "
                              f"shipped: {', '.join(shipped_languages())}")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: [{table}] must be a table")
        checked[language] = _check_keys(path, table, values, TEXT_SCHEMA)
    return checked


def _check_keys(path: Path, table: str, values: dict[str, Any],
                schema: dict[str, tuple[tuple[type, ...], Any]]) -> dict[str, Any]:
    checked = {}
    for key, value in values.items():
        where = f"{path}: [{table}] {key}"
        if key not in schema:
            raise ConfigError(
                f"{path}: [{table}] unknown key '{key}'{_did_you_mean(key, schema)}; "
                f"known keys: {', '.join(schema)}"
            )
        types, check = schema[key]
        # bool is an int in Python; a kiosk setting never means True as 1.
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ConfigError(f"{where}: must be {_type_text(types)}, got {value!r}")
        # TOML has nan and inf; every comparison with nan is false, so no range check sees it.
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{where}: must be a finite number, got {value}")
        problem = check(value)
        if problem:
            raise ConfigError(f"{where}: {problem}")
        checked[key] = value
    return checked


def _resolve(base: Path, value: str) -> Path:
    candidate = Path(os.path.expanduser(value))
    return candidate if candidate.is_absolute() else (base / candidate)


MAX_CONFIG_BYTES = 1 << 20  # a kiosk config is a few kilobytes


def _read_config_text(path: Path) -> str:
    """The config file's text, refusing anything that is not a regular UTF-8 file
    (a FIFO or /dev/zero would block or never end)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found; pass --config PATH or copy the shipped config.toml here"
        ) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"{path}: cannot read the config file ({reason})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path}: is a directory, not a config file; pass --config PATH/config.toml")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: not a regular file (a device, pipe or socket); "
                          "pass --config with the path of a config.toml file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {info.st_size} bytes is too large for a config file "
                          f"(at most {MAX_CONFIG_BYTES}); is it the right file?")
    try:
        # O_NONBLOCK: if the file was swapped for a FIFO since stat, opening does not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigError(f"{path}: not a regular file; pass --config with a config.toml")
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    # Windows editors start UTF-8 files with a byte order mark; TOML does not allow one.
    return text.removeprefix("\ufeff")


def load_config(path: str | os.PathLike[str], data_dir: str | None = None) -> Config:
    """Read and validate ``path``; ``data_dir`` (from --data-dir) overrides [kiosk] data_dir."""
    path = Path(path)
    text = _read_config_text(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: TOML nested too deeply; a kiosk config needs "
                          "at most [table.subtable]") from None

    values = _validate(path, raw)
    base = path.resolve().parent
    kiosk = dict(values.get("kiosk", {}))
    if data_dir is not None and "\0" in data_dir:
        raise ConfigError("--data-dir: must not contain a NUL character")
    kiosk["data_dir"] = (
        Path(os.path.expanduser(data_dir)).absolute()
        if data_dir
        else _resolve(base, kiosk.get("data_dir", "data"))
    )
    kiosk["timezone"] = _data_dir_zone(path, kiosk["data_dir"], kiosk.get("timezone"))
    survey = dict(values.get("survey", {}))
    if "labels" in survey:
        survey["labels"] = tuple(survey["labels"])
    admin = dict(values.get("admin", {}))
    admin["export_dir"] = _resolve(base, admin.get("export_dir", "exports"))
    if "idle_lock_seconds" in admin:
        admin["idle_lock_seconds"] = float(admin["idle_lock_seconds"])
    timing = {k: float(v) for k, v in values.get("timing", {}).items()}
    misuse = dict(values.get("misuse", {}))
    if "window_seconds" in misuse:
        misuse["window_seconds"] = float(misuse["window_seconds"])
    if "languages" in kiosk:
        kiosk["languages"] = tuple(kiosk["languages"])
    followup = dict(values.get("followup", {}))
    if "reasons" in followup:
        followup["reasons"] = tuple(followup["reasons"])
    if "seconds" in followup:
        followup["seconds"] = float(followup["seconds"])
    nps: dict[str, Any] = {k: (float(v) if k == "seconds" else v)
                           for k, v in values.get("nps", {}).items()}
    rest = dict(values.get("rest", {}))
    if "attract_seconds" in rest:
        rest["attract_seconds"] = float(rest["attract_seconds"])
    if ("open" in rest) != ("close" in rest):
        raise ConfigError(f"{path}: [rest] open and close: set both opening hours, or neither")
    if "open" in rest and rest["open"] == rest["close"]:
        raise ConfigError(f"{path}: [rest] open and close: both are {rest['open']}, so the kiosk "
                          "would never open; leave both out to stay open around the clock")
    sync = _sync_config(path, base, values.get("sync"))
    return Config(
        path=path,
        kiosk=KioskConfig(**kiosk),
        survey=SurveyConfig(**survey),
        timing=TimingConfig(**timing),
        admin=AdminConfig(**admin),
        misuse=MisuseConfig(**misuse),
        followup=FollowupConfig(**followup),
        nps=NpsConfig(**nps),
        rest=RestConfig(**rest),
        sync=sync,
        text_overrides=values.get("texts", {}),
    )


def _sync_config(path: Path, base: Path, values: dict[str, Any] | None) -> SyncConfig | None:
    if values is None:
        return None
    if "url" not in values:
        raise ConfigError(f"{path}: [sync] url: missing; give the fleet database's URL "
                          "(or remove the [sync] table)")
    sync = dict(values)
    if "password_file" in sync:
        sync["password_file"] = _resolve(base, sync["password_file"])
    if "interval_seconds" in sync:
        sync["interval_seconds"] = float(sync["interval_seconds"])
    return SyncConfig(**sync)


def _data_dir_where(config: Config, from_flag: bool) -> str:
    return "--data-dir" if from_flag else f"{config.path}: [kiosk] data_dir"


def ensure_data_dir(config: Config, from_flag: bool = False) -> Path:
    """Create the data dir and prove it is writable, or raise ConfigError naming the source."""
    where = _data_dir_where(config, from_flag)
    directory = config.data_dir
    check_data_dir(config, from_flag)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-test"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(
            f"{where}: cannot write the data dir {directory} ({reason}); "
            "choose a writable directory"
        ) from None
    check_data_dir(config, from_flag)
    return directory


def check_data_dir(config: Config, from_flag: bool = False) -> None:
    """Refuse, as one line, a data dir whose shape no command can work with: the dir or
    its responses/ folder is a file, a day file is a directory (or a device, a pipe)
    or cannot be read.  A data dir that does not exist yet is fine."""
    from kiosk.store.response_store import RESPONSES_DIR

    where = _data_dir_where(config, from_flag)
    directory = config.data_dir
    responses = directory / RESPONSES_DIR
    for folder in (directory, responses):
        try:
            info = folder.stat()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConfigError(f"{where}: cannot use the data dir {folder} ({exc.strerror}); "
                              "choose a directory the kiosk's user can use") from None
        if not stat.S_ISDIR(info.st_mode):
            what = "the data dir" if folder == directory else "the folder of the day files"
            raise ConfigError(f"{where}: {folder} is a file, not a directory ({what}); "
                              "move it aside or choose another data dir")
    try:
        entries = sorted(os.scandir(responses), key=lambda entry: entry.name)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot list {responses} ({exc.strerror}); "
                          "give the kiosk's user access to it") from None
    for entry in entries:
        if not entry.name.endswith(".jsonl"):
            continue
        try:
            mode = os.stat(entry.path).st_mode
            if not stat.S_ISREG(mode):
                kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
                raise ConfigError(f"{where}: {entry.path} is {kind}, not a day file; "
                                  f"move it out of {responses}")
            fd = os.open(entry.path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read the day file {entry.path} ({exc.strerror}); "
                              "give the kiosk's user read access (chmod 640) or move it aside"
                              ) from None
