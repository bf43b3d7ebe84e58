"""config.toml -> frozen dataclasses, validated strictly.

Every mistake a person can make in the file ends in one ``ConfigError`` whose
message names the file, the table and the key, and says how to fix it.
"""
from __future__ import annotations

import contextlib
import difflib
import errno
import math
import os
import stat
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


from kiosk.config.checks import _NUMBER, SCHEMA, TEXT_SCHEMA
from kiosk.config.model import (
    AdminConfig,
    Config,
    ConfigError,
    FollowupConfig,
    KioskConfig,
    MisuseConfig,
    NpsConfig,
    RestConfig,
    SurveyConfig,
    SyncConfig,
    TimingConfig,
    _system_zone,
)


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


def ensure_data_dir(config: Config, from_flag: bool = False, *, serving: bool = False) -> Path:
    """Create the data dir and prove it is writable, or raise ConfigError naming the source.

    ``serving`` (`kiosk run`): a full disk (ENOSPC, EDQUOT) is no reason to refuse; the
    kiosk serves customers with taps kept in memory and the red warning, as a running one
    does when the disk fills, and writes them once there is space.  The probe file never
    stays behind, whatever the write did."""
    where = _data_dir_where(config, from_flag)
    directory = config.data_dir
    check_data_dir(config, from_flag)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".write-test-{os.getpid()}"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                probe.unlink()
    except OSError as exc:
        if not (serving and exc.errno in (errno.ENOSPC, errno.EDQUOT)):
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
