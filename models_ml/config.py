"""Model parameters from ``models_ml/config/*.yaml`` (validated with pydantic).

A deployment may point ``CCDW_ML_CONFIG_DIR`` at its own copy of the directory to tune
thresholds without editing the package.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from ccdw.errors import CcdwError

PACKAGE_CONFIG_DIR = Path(__file__).resolve().parent / "config"


class KMeansConfig(BaseModel):
    clusters: int = 5
    seed: int = 42


class ValueConfig(BaseModel):
    version: str
    horizon_days: int = 365
    balance_margin: dict[str, float]
    savings_interest_rate: float
    interest_postings_per_year: int
    premium_margin: float
    spend_margin: float
    activity_types: list[str]
    min_fit_customers: int = 30
    high_value_share: float = 0.2
    kmeans: KMeansConfig = Field(default_factory=KMeansConfig)


class LargeOutflowRule(BaseModel):
    enabled: bool = True
    min_amount: float
    history_days: int
    max_history_days: int
    min_history_txns: int
    min_ratio_to_median: float
    min_robust_z: float
    min_ratio_to_max: float
    min_share_of_balance: float
    recent_inflow_hours: int
    max_recent_inflow_share: float
    window_hours: int


class PurchaseBurstRule(BaseModel):
    enabled: bool = True
    txn_types: list[str]
    min_amount: float
    window_hours: int
    min_count: int
    min_total: float
    min_ratio_to_ticket: float
    history_days: int


class DormantRule(BaseModel):
    enabled: bool = True
    account_types: list[str]
    dormant_days: int
    min_amount: float
    window_days: int


class StructuringRule(BaseModel):
    enabled: bool = True
    txn_types: list[str]
    channels: list[str]
    threshold: float
    band_below: float
    window_days: int
    min_count: int


class PassThroughRule(BaseModel):
    enabled: bool = True
    min_amount: float
    window_hours: int
    max_relative_gap: float
    max_balance_ratio_before: float | None = None


class Rules(BaseModel):
    large_outflow: LargeOutflowRule
    purchase_burst: PurchaseBurstRule
    dormant_reactivation: DormantRule
    structuring: StructuringRule
    pass_through: PassThroughRule


class IsolationForestConfig(BaseModel):
    enabled: bool = True
    n_estimators: int = 200
    seed: int = 42
    weight: float = 0.3  # share of the final score from the forest


class AnomalyConfig(BaseModel):
    version: str
    lookback_days: int
    min_score: float
    suppress_days: dict[str, int]
    rules: Rules
    isolation_forest: IsolationForestConfig = Field(default_factory=IsolationForestConfig)


def config_dir() -> Path:
    override = os.environ.get("CCDW_ML_CONFIG_DIR")
    return Path(override) if override else PACKAGE_CONFIG_DIR


def _load(name: str, directory: Path | None) -> dict[str, object]:
    path = (directory or config_dir()) / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CcdwError(f"ML config file {path} is missing") from exc
    except yaml.YAMLError as exc:
        raise CcdwError(f"ML config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CcdwError(f"ML config file {path} must hold a mapping")
    return data


def load_value_config(directory: Path | None = None) -> ValueConfig:
    try:
        return ValueConfig.model_validate(_load("value.yaml", directory))
    except ValidationError as exc:
        raise CcdwError(f"value.yaml is invalid: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from exc


def load_anomaly_config(directory: Path | None = None) -> AnomalyConfig:
    try:
        return AnomalyConfig.model_validate(_load("anomalies.yaml", directory))
    except ValidationError as exc:
        raise CcdwError(f"anomalies.yaml is invalid: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from exc
