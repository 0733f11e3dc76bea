"""Campaign definitions: one versioned YAML file per campaign in ``definitions/``.

A definition's ``eligibility`` is SQL over marts/ml (trusted text shipped with the code) that
may reference named parameters as ``$name``; their values come from the file's
``parameters`` (or a caller's overrides) and are bound by DuckDB, never pasted into the SQL.
``$as_of`` (naive site-local timestamp) and ``$as_of_date`` are always available.

The query returns one row per candidate with the columns:
``customer_id`` (may be NULL for callers not known as customers), ``phone`` (as stored:
E.164 or raw), ``subject_id`` (what the call is about; with the campaign it makes the stable
member id), ``reason`` (a line a caller can read), and optionally ``eligible_from`` /
``eligible_to`` (default: ``$as_of`` and ``$as_of`` + ``valid_days``).
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ccdw.errors import CcdwError

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
BUILTIN_PARAMETERS = frozenset({"as_of", "as_of_date"})
# The C loader where libyaml is there (safe either way: no arbitrary objects).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CONVERSIONS = ("premium_paid_7d", "anomaly_confirmed", "product_bought_30d", "contacted")


class CallingWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str = "09:00"
    end: str = "20:00"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not HH:MM") from exc
        return value

    @model_validator(mode="after")
    def _ordered(self) -> CallingWindow:
        if time.fromisoformat(self.start) >= time.fromisoformat(self.end):
            raise ValueError("calling window must start before it ends")
        return self


class DialTarget(BaseModel):
    """Where an answered call goes: a dialplan context/extension, or a queue."""

    model_config = ConfigDict(extra="forbid")
    channel: str = "PJSIP/{number}@trunk"
    context: str | None = "ccdw-outbound"
    extension: str | None = None
    queue: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> DialTarget:
        from telephony_adapter.safety import check_channel_template, check_token

        check_channel_template(self.channel)
        if self.queue:
            check_token("queue", self.queue)
        elif self.context and self.extension:
            check_token("context", self.context)
            check_token("extension", self.extension)
        else:
            raise ValueError("dial needs either queue, or context and extension")
        return self


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    version: int = Field(ge=1)
    name: str
    description: str = ""
    enabled: bool = True
    kind: Literal["marketing", "service"]
    priority: int = Field(ge=0, le=1000, description="higher wins a shared phone")
    conversion: Literal["premium_paid_7d", "anomaly_confirmed", "product_bought_30d", "contacted"]
    control_share: float = Field(default=0.1, ge=0.0, lt=1.0)
    control_seed: str = "ccdw"
    calling_window: CallingWindow = Field(default_factory=CallingWindow)
    weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    max_attempts: int = Field(default=3, ge=1, le=20)
    retry_interval_minutes: int = Field(default=240, ge=1)
    valid_days: int = Field(default=7, ge=1, le=90)
    caller_id: str | None = None
    dial: DialTarget
    parameters: dict[str, int | float | str | bool] = Field(default_factory=dict)
    eligibility: str

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if not value or any(d < 1 or d > 7 for d in value):
            raise ValueError("weekdays are ISO numbers 1 (Monday) .. 7 (Sunday)")
        return sorted(set(value))

    @field_validator("caller_id")
    @classmethod
    def _caller_id(cls, value: str | None) -> str | None:
        from telephony_adapter.safety import check_caller_id

        return check_caller_id(value) if value else value

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if self.kind == "service" and self.control_share:
            raise ValueError("service callbacks are owed to the caller: control_share must be 0")
        unknown = self.referenced_parameters() - BUILTIN_PARAMETERS - set(self.parameters)
        if unknown:
            raise ValueError(f"eligibility uses undeclared parameters: {sorted(unknown)}")
        return self

    def referenced_parameters(self) -> set[str]:
        return set(PARAMETER.findall(self.eligibility))

    @property
    def weekdays_text(self) -> str:
        return ",".join(str(d) for d in self.weekdays)


def load_campaign(path: Path) -> Campaign:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise CcdwError(f"cannot read campaign definition {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise CcdwError(f"campaign definition {path.name} is not a mapping")
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise CcdwError(f"campaign definition {path.name}: {where}: {first['msg']}") from exc
    if path.stem != campaign.campaign_id:
        raise CcdwError(f"campaign definition {path.name} declares campaign_id {campaign.campaign_id!r}")
    return campaign


def load_campaigns(directory: Path | None = None) -> list[Campaign]:
    """Every ``*.yml``/``*.yaml`` in the directory, highest priority first."""
    directory = directory or DEFINITIONS_DIR
    paths = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])
    if not paths:
        raise CcdwError(f"no campaign definitions in {directory}")
    campaigns = [load_campaign(p) for p in paths]
    seen: set[str] = set()
    for c in campaigns:
        if c.campaign_id in seen:
            raise CcdwError(f"campaign {c.campaign_id!r} is defined twice in {directory}")
        seen.add(c.campaign_id)
    return sorted(campaigns, key=lambda c: (-c.priority, c.campaign_id))
