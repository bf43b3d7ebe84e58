"""What a configuration is: frozen dataclasses, one per config.toml table, with their
defaults.  Reading and checking the file is ``load.py``; the value checks are ``checks.py``."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.i18n import Texts




class ConfigError(Exception):
    """A configuration mistake, as one line for the person who made it."""


ALL_LANGUAGES = ("en", "fr", "nl", "ru", "zh", "pt")


def _system_zone() -> str:
    from kiosk.store.localtime import system_zone_name

    return system_zone_name()


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
