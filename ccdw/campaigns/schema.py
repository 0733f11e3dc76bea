"""The campaigns room's columns beyond the contract (``ops.campaign_members``,
``ops.dial_attempts``) and its own ``ops.campaign_runs`` table.

The contract columns are created by :func:`ccdw.ops.ensure_ops_schema`; everything here is
``add column if not exists`` so that it can run before or after any other room.
"""

from __future__ import annotations

import duckdb

from ccdw.ops import ensure_ops_schema

MEMBER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("campaign_version", "varchar"),
    ("campaign_kind", "varchar"),  # marketing | service
    ("subject_id", "varchar"),  # what the call is about: policy/due date, anomaly, request...
    ("conversion_rule", "varchar"),
    ("local_timezone", "varchar"),
    ("window_start", "varchar"),  # HH:MM in the customer's local time
    ("window_end", "varchar"),
    ("weekdays", "varchar"),  # ISO weekdays, e.g. '1,2,3,4,5,6'
    ("max_attempts", "integer"),
    ("retry_minutes", "integer"),
    ("caller_id", "varchar"),
    ("dial_channel", "varchar"),  # e.g. PJSIP/{number}@trunk
    ("dial_context", "varchar"),
    ("dial_extension", "varchar"),
    ("dial_queue", "varchar"),
    ("attempts", "integer default 0"),
    ("next_attempt_at", "timestamp"),
    ("last_final_status", "varchar"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
)

ATTEMPT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("attempt_no", "integer"),
    ("via", "varchar"),  # ami | callfile | csv
    ("message", "varchar"),
    ("final_at", "timestamp"),
    ("final_source", "varchar"),  # originate_response | callfile | cdr | timeout
)

RUNS_DDL = """create table if not exists ops.campaign_runs (
    run_id varchar primary key,
    campaign_id varchar not null,
    campaign_version varchar,
    as_of timestamp not null,
    built_at timestamp not null,
    candidates integer,
    eligible integer,
    control integer,
    excluded integer,
    exclusions json
)"""


def ensure_campaign_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Contract tables plus this room's extra columns (idempotent)."""
    ensure_ops_schema(con)
    for name, typ in MEMBER_COLUMNS:
        con.execute(f"alter table ops.campaign_members add column if not exists {name} {typ}")
    for name, typ in ATTEMPT_COLUMNS:
        con.execute(f"alter table ops.dial_attempts add column if not exists {name} {typ}")
    con.execute(RUNS_DDL)
