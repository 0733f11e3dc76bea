"""``ccdw score``: customer value and fund anomalies from the marts into ``ml.*``.

Everything is written in one DuckDB transaction: the value table, new and refreshed anomaly
rows, their outbox messages (``ccdw.delivery.alerts.enqueue_alerts``) and the model runs. A
failure anywhere leaves the warehouse as it was.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
from datetime import datetime
from pathlib import Path

import duckdb

from ccdw.db import connect, transaction
from ccdw.ops import ensure_ops_schema
from ccdw.settings import Settings, get_settings
from models_ml.anomalies import detect, persist_alerts, typology_counts
from models_ml.config import AnomalyConfig, ValueConfig, load_anomaly_config, load_value_config
from models_ml.features import check_marts, customer_features, data_as_of
from models_ml.schema import ensure_ml_schema
from models_ml.value import ValueResult, score_value

log = logging.getLogger(__name__)

FINGERPRINT_SQL = """
select (select count(*) from marts.fct_transactions),
       (select sum(amount) from marts.fct_transactions),
       (select max(booked_at) from marts.fct_transactions),
       (select bit_xor(hash(txn_id, amount, booked_at, account_id)) from marts.fct_transactions),
       (select count(*) from marts.mart_customer_360),
       (select bit_xor(hash(customer_id, total_balance, annual_premium_total, rm_id))
          from marts.mart_customer_360),
       (select count(*) from marts.dim_policy),
       (select count(*) from marts.fct_premiums)
"""


def data_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(FINGERPRINT_SQL).fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]


def model_version(base: str, config: ValueConfig | AnomalyConfig) -> str:
    """``<version>.<config hash>``: changes whenever a parameter changes."""
    digest = hashlib.sha256(json.dumps(config.model_dump(), sort_keys=True).encode()).hexdigest()
    return f"{base}.{digest[:8]}"


def _site_now(settings: Settings) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


def _write_customer_value(
    con: duckdb.DuckDBPyConnection, result: ValueResult, version: str, scored_at: datetime
) -> None:
    frame = result.scores.copy()
    frame["model_version"] = version
    frame["scored_at"] = scored_at
    con.execute("delete from ml.customer_value")
    if frame.empty:
        return
    con.register("value_frame", frame)
    try:
        con.execute(
            """insert into ml.customer_value (customer_id, value_score, value_rank, is_high_value, segment,
                   model_version, scored_at, rfm_segment, cluster_segment, expected_txn_12m, p_alive)
               select customer_id, value_score, value_rank, is_high_value, segment, model_version,
                   scored_at, rfm_segment, cluster_segment, expected_txn_12m, p_alive
               from value_frame"""
        )
        con.execute(
            """insert into ml.customer_value_history
               select customer_id, value_score, value_rank, is_high_value, segment, model_version, scored_at
               from value_frame"""
        )
    finally:
        con.unregister("value_frame")


def _record_run(
    con: duckdb.DuckDBPyConnection,
    version: str,
    model: str,
    trained_at: datetime,
    params: dict[str, object],
    window: str,
    metrics: dict[str, object],
    fingerprint: str,
) -> None:
    metrics = {**metrics, "data_fingerprint": fingerprint}
    con.execute(
        "insert into ml.model_runs values ($v, $m, $t, $p, $w, $metrics, $f)",
        {
            "v": version,
            "m": model,
            "t": trained_at,
            "p": json.dumps(params, sort_keys=True, default=str),
            "w": window,
            "metrics": json.dumps(metrics, sort_keys=True, default=str),
            "f": fingerprint,
        },
    )


def _enqueue(con: duckdb.DuckDBPyConnection, settings: Settings, new_ids: list[str]) -> int | None:
    """Outbox messages for the new anomalies, inside the open transaction.

    Returns ``None`` when the delivery room's module is not installed (nothing is enqueued,
    ``ccdw alerts send`` can pick the anomalies up later)."""
    if not new_ids:
        return 0
    if importlib.util.find_spec("ccdw.delivery.alerts") is None:
        log.warning("ccdw.delivery.alerts is not available: %d new anomalies not enqueued", len(new_ids))
        return None
    from ccdw.delivery.alerts import enqueue_alerts

    return enqueue_alerts(con, settings, new_ids)


def score(settings: Settings | None = None, config_dir: Path | None = None) -> dict[str, object]:
    """Score customer value and fund anomalies; returns a summary of what was written."""
    settings = settings or get_settings()
    value_cfg = load_value_config(config_dir)
    anomaly_cfg = load_anomaly_config(config_dir)
    value_version = model_version(value_cfg.version, value_cfg)
    anomaly_version = model_version(anomaly_cfg.version, anomaly_cfg)
    with connect(settings) as con:
        con.execute("set enable_progress_bar = false")  # no terminal bar in logs or Dagster
        ensure_ops_schema(con)
        ensure_ml_schema(con)
        check_marts(con)
        as_of = data_as_of(con)
        fingerprint = data_fingerprint(con)
        first = con.execute("select min(booked_at) from marts.fct_transactions").fetchone()[0]
        window = f"{first:%Y-%m-%d %H:%M:%S} .. {as_of:%Y-%m-%d %H:%M:%S}"
        features = customer_features(
            con,
            as_of,
            value_cfg.activity_types,
            value_cfg.savings_interest_rate,
            value_cfg.interest_postings_per_year,
        )
        value = score_value(features, value_cfg)
        alerts = detect(con, anomaly_cfg, as_of)
        now = _site_now(settings)
        with transaction(con):
            _write_customer_value(con, value, value_version, now)
            persisted = persist_alerts(con, anomaly_cfg, alerts, anomaly_version, now)
            enqueued = _enqueue(con, settings, persisted.new_ids)
            _record_run(con, value_version, "customer_value", now, value.params, window, value.metrics, fingerprint)
            anomaly_metrics = {
                "alerts_detected": len(alerts),
                "alerts_new": len(persisted.new_ids),
                "alerts_updated": len(persisted.updated_ids),
                "alerts_suppressed": persisted.suppressed,
                "by_typology": typology_counts(alerts),
            }
            _record_run(
                con,
                anomaly_version,
                "fund_anomalies",
                now,
                anomaly_cfg.model_dump(),
                window,
                anomaly_metrics,
                fingerprint,
            )
    summary: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "data_fingerprint": fingerprint,
        "customers_scored": value.metrics.get("scored_customers", 0),
        "high_value_customers": value.metrics.get("high_value_customers", 0),
        "pareto": value.metrics.get("pareto", {}),
        "value_model_version": value_version,
        "anomaly_model_version": anomaly_version,
        "alerts_detected": len(alerts),
        "alerts_new": len(persisted.new_ids),
        "alerts_updated": len(persisted.updated_ids),
        "alerts_suppressed": persisted.suppressed,
        "alerts_enqueued": enqueued,
    }
    log.info("score: %s", summary)
    return summary
