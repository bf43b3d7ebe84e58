"""config.toml -> frozen dataclasses, validated strictly.

    model.py   what a configuration is: one frozen dataclass per table, with defaults
    checks.py  the rule for each value, and which tables and keys exist (SCHEMA)
    load.py    reading the file, checking it against SCHEMA, building the dataclasses,
               and the data dir the config names

Every mistake a person can make in the file ends in one ``ConfigError`` whose message names
the file, the table and the key, and says how to fix it.  May import: the standard library
and the top-level ``kiosk`` modules it names lazily (``i18n``, ``store.localtime``).
"""
from kiosk.config.checks import SCHEMA, database_url_problem
from kiosk.config.load import check_data_dir, ensure_data_dir, load_config
from kiosk.config.model import (
    ALL_LANGUAGES,
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
)

__all__ = [
    "ALL_LANGUAGES", "SCHEMA", "AdminConfig", "Config", "ConfigError", "FollowupConfig",
    "KioskConfig", "MisuseConfig", "NpsConfig", "RestConfig", "SurveyConfig", "SyncConfig",
    "TimingConfig", "check_data_dir", "database_url_problem", "ensure_data_dir", "load_config",
]
