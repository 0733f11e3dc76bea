"""DDL for the ``ops`` schema (warehouse-contract "Operations").

Created before dbt runs, because dbt reads ``ops.*`` as sources for the campaign marts.
Rooms add columns they need beyond the contract with ``alter table ... add column if not
exists`` in their own modules; the contract columns live here.
"""

from __future__ import annotations

import duckdb

OPS_DDL: tuple[str, ...] = (
    "create schema if not exists ops",
    """create table if not exists ops.campaign_members (
        campaign_id varchar not null,
        member_id varchar not null primary key,
        customer_id varchar,
        phone_e164 varchar,
        priority integer,
        reason varchar,
        is_control boolean not null default false,
        eligible_from timestamp,
        eligible_to timestamp,
        status varchar not null,
        exclusion_reason varchar
    )""",
    """create table if not exists ops.dial_attempts (
        attempt_id varchar not null primary key,
        member_id varchar not null,
        action_id varchar,
        sent_at timestamp,
        response varchar,
        reason_code integer,
        uniqueid varchar,
        final_status varchar
    )""",
    """create table if not exists ops.outbox (
        message_id varchar not null primary key,
        kind varchar not null,
        recipient varchar,
        subject varchar,
        idempotency_key varchar not null unique,
        status varchar not null,
        attempts integer not null default 0,
        created_at timestamp not null,
        sent_at timestamp,
        last_error varchar
    )""",
    """create table if not exists ops.alert_feedback (
        anomaly_id varchar not null,
        rm_id varchar,
        disposition varchar not null,
        note varchar,
        given_at timestamp not null
    )""",
)


def ensure_ops_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in OPS_DDL:
        con.execute(statement)
