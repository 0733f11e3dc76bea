"""DDL for the ``ml`` schema (warehouse-contract "ML outputs").

The contract columns come first; columns after them are this room's own (documented in
``docs/ml.md``) and may be read but not relied on by other rooms.
"""

from __future__ import annotations

import duckdb

ML_DDL: tuple[str, ...] = (
    "create schema if not exists ml",
    """create table if not exists ml.customer_value (
        customer_id varchar not null primary key,
        value_score double not null,
        value_rank integer not null,
        is_high_value boolean not null,
        segment varchar not null,
        model_version varchar not null,
        scored_at timestamp not null,
        rfm_segment varchar,
        cluster_segment varchar,
        expected_txn_12m double,
        p_alive double
    )""",
    # One copy of each run's scores (segment movement between runs on the dashboards).
    """create table if not exists ml.customer_value_history (
        customer_id varchar not null,
        value_score double not null,
        value_rank integer not null,
        is_high_value boolean not null,
        segment varchar not null,
        model_version varchar not null,
        scored_at timestamp not null
    )""",
    """create table if not exists ml.fund_anomalies (
        anomaly_id varchar not null primary key,
        customer_id varchar,
        account_id varchar not null,
        window_start timestamp not null,
        window_end timestamp not null,
        txn_ids varchar[] not null,
        typology varchar not null,
        score double not null,
        reasons varchar not null,
        rm_id varchar,
        model_version varchar not null,
        detected_at timestamp not null,
        rule_score double,
        iforest_score double,
        last_seen_at timestamp
    )""",
    """create table if not exists ml.model_runs (
        model_version varchar not null,
        model varchar not null,
        trained_at timestamp not null,
        params json,
        training_window varchar,
        metrics json,
        data_fingerprint varchar
    )""",
)


def ensure_ml_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``ml`` tables (empty) if they are missing; safe to call repeatedly."""
    for statement in ML_DDL:
        con.execute(statement)
