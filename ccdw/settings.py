"""Settings from the environment (``CCDW_*``) and an optional ``ccdw.toml``.

The TOML file is looked up at ``$CCDW_CONFIG`` (default ``./ccdw.toml``) and may set the same
keys as the environment (lower-case, without the prefix), plus per-center tables::

    [centers.GD-GZ]
    report_recipients = ["gz-manager@example.com"]
    alerts_default_recipient = "gz-desk@example.com"

The environment wins over the file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class CenterSettings(BaseModel):
    """Per-center delivery settings from ``ccdw.toml``."""

    report_recipients: list[str] = Field(default_factory=list)
    alerts_default_recipient: str | None = None


def _config_file() -> Path:
    return Path(os.environ.get("CCDW_CONFIG", "ccdw.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCDW_", extra="ignore")

    home: Path = Path("./var")
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    # Encoding used when detection is not wanted (e.g. a CRM known to export GB18030).
    # "auto" detects per file with charset-normalizer.
    encoding: str = "auto"
    # CDR layout knobs (input-formats.md): PBX writes UTC; a 17-column file ends in userfield.
    cdr_usegmtime: bool = False
    cdr_userfield_without_uniqueid: bool = False

    short_abandon_seconds: int = 5
    fcr_window_hours: int = 72

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None

    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str | None = None
    ami_secret: str | None = None
    asterisk_spool_dir: Path = Path("/var/spool/asterisk")
    # Campaign frequency cap per customer (calls across all campaigns).
    campaign_max_calls_per_day: int = 1
    campaign_max_calls_per_week: int = 3

    alerts_default_recipient: str | None = None
    # NoDecode: the env value is comma-separated (contract), not JSON; split by the validator.
    report_recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    centers: dict[str, CenterSettings] = Field(default_factory=dict)

    @field_validator("report_recipients", mode="before")
    @classmethod
    def _split_recipients(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )

    # Paths under CCDW_HOME -------------------------------------------------------------
    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        """The read-only copy dashboards read (published after each successful build)."""
        return self.home / "serving" / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def screenshots_dir(self) -> Path:
        return self.home / "screenshots"

    def report_recipients_for(self, center_id: str | None) -> list[str]:
        center = self.centers.get(center_id or "")
        if center and center.report_recipients:
            return center.report_recipients
        return self.report_recipients

    def alert_recipient_for_center(self, center_id: str | None) -> str | None:
        center = self.centers.get(center_id or "")
        if center and center.alerts_default_recipient:
            return center.alerts_default_recipient
        return self.alerts_default_recipient


@lru_cache(maxsize=1)
def _cached() -> Settings:
    return Settings()


def get_settings(*, fresh: bool = False) -> Settings:
    """The process settings. ``fresh=True`` re-reads the environment (tests change it)."""
    if fresh:
        _cached.cache_clear()
    return _cached()
