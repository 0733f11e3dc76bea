"""The feed contract as data: every feed's columns, raw types, record key and version column.

This module is the single source for ``raw.<feed>`` table layouts. The dbt sources
(``dbt_project/models/staging/*/_*__sources.yml``) and the generator follow it.

Every ``raw.<feed>`` table holds the contract columns below (in this order, with these
DuckDB types; columns a file does not carry are NULL) followed by the ingest metadata:

=================  =========  ====================================================
``_file_id``       BIGINT     ``raw.ingest_files.file_id`` of the file it came from
``_line_no``       BIGINT     physical 1-based line in the decompressed file
``_record_key``    VARCHAR    the record identity (warehouse-contract "Record identity")
``_row_hash``      UBIGINT    hash of the contract columns: same key + same hash = duplicate
``_extra``         JSON       extra columns a CRM export carried, ``{"col": "value"}``; NULL if none
=================  =========  ====================================================

Latest-wins ordering (done in staging): ``updated_at`` desc (where the feed has it), then the
file's arrival (``raw.ingest_files.file_mtime`` desc, then ``path`` desc), then ``_line_no`` desc.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type in raw
    required: bool = False  # empty value → quarantine ("missing <name>")


@dataclass(frozen=True)
class Feed:
    name: str
    kind: str  # "cdr" | "queue_log" | "crm"
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # empty: the whole record is the identity
    version_column: str | None = None  # "updated_at" where the feed has it
    description: str = ""
    extensions: tuple[str, ...] = field(default=(".csv", ".csv.gz", ".parquet"))

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _cols(spec: str) -> tuple[Column, ...]:
    """Parse ``"name TYPE[!]; ..."`` (``!`` = required: empty → quarantine)."""
    out = []
    for part in spec.split(";"):
        name, typ = part.split(None, 1)
        typ = typ.strip()
        required = typ.endswith("!")
        out.append(Column(name, typ.rstrip("!"), required))
    return tuple(out)


MONEY = "DECIMAL(18,2)"

# CDR columns in cdr_csv order; 16/17/18/21-column files fill a prefix (see ingest docs).
CDR_COLUMNS = _cols(
    "accountcode VARCHAR; src VARCHAR; dst VARCHAR; dcontext VARCHAR; clid VARCHAR;"
    " channel VARCHAR; dstchannel VARCHAR; lastapp VARCHAR; lastdata VARCHAR;"
    " start TIMESTAMP!; answer TIMESTAMP; end TIMESTAMP; duration BIGINT; billsec BIGINT;"
    " disposition VARCHAR; amaflags VARCHAR; uniqueid VARCHAR; userfield VARCHAR;"
    " peeraccount VARCHAR; linkedid VARCHAR; sequence BIGINT"
)

QUEUE_LOG_COLUMNS = _cols(
    "epoch BIGINT!; callid VARCHAR; queuename VARCHAR; agent VARCHAR; event VARCHAR!;"
    " data1 VARCHAR; data2 VARCHAR; data3 VARCHAR; data4 VARCHAR; data5 VARCHAR"
)


def _crm(name: str, spec: str, key: tuple[str, ...], versioned: bool = False) -> Feed:
    return Feed(
        name,
        "crm",
        _cols(spec),
        key=key,
        version_column="updated_at" if versioned else None,
    )


FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        Feed(
            "cdr",
            "cdr",
            CDR_COLUMNS,
            key=("uniqueid", "sequence"),
            description="Asterisk cdr_csv Master.csv (no header; 16/17/18/21 columns).",
            extensions=(".csv", ".csv.gz"),
        ),
        Feed(
            "queue_log",
            "queue_log",
            QUEUE_LOG_COLUMNS,
            description="Asterisk queue_log (pipe-separated, no header).",
            extensions=(".log", ".log.gz", ".csv", ".csv.gz"),
        ),
        _crm(
            "centers",
            "center_id VARCHAR!; name VARCHAR; parent_center_id VARCHAR; level VARCHAR!",
            ("center_id",),
        ),
        _crm(
            "queues",
            "queue VARCHAR!; center_id VARCHAR; business_line VARCHAR;"
            " service_level_seconds INTEGER",
            ("queue",),
        ),
        _crm(
            "agents",
            "agent_id VARCHAR!; queue_member VARCHAR; name VARCHAR; center_id VARCHAR;"
            " team VARCHAR; hired_at DATE; left_at DATE",
            ("agent_id",),
        ),
        _crm(
            "relationship_managers",
            "rm_id VARCHAR!; name VARCHAR; email VARCHAR; phone VARCHAR; center_id VARCHAR",
            ("rm_id",),
        ),
        _crm(
            "customers",
            "customer_id VARCHAR!; name VARCHAR; gender VARCHAR; birth_date DATE;"
            " id_number VARCHAR; phone VARCHAR; phone2 VARCHAR; email VARCHAR;"
            " province VARCHAR; city VARCHAR; rm_id VARCHAR; created_at TIMESTAMP;"
            " do_not_call BOOLEAN; updated_at TIMESTAMP",
            ("customer_id",),
            versioned=True,
        ),
        _crm(
            "policies",
            "policy_id VARCHAR!; customer_id VARCHAR!; product_code VARCHAR;"
            " product_line VARCHAR; start_date DATE; end_date DATE;"
            f" annual_premium {MONEY}; payment_frequency VARCHAR; status VARCHAR;"
            " sales_agent_id VARCHAR; updated_at TIMESTAMP",
            ("policy_id",),
            versioned=True,
        ),
        _crm(
            "premiums",
            f"policy_id VARCHAR!; due_date DATE!; amount_due {MONEY}; paid_at TIMESTAMP;"
            f" amount_paid {MONEY}",
            ("policy_id", "due_date"),
        ),
        _crm(
            "accounts",
            "account_id VARCHAR!; customer_id VARCHAR!; account_type VARCHAR;"
            " currency VARCHAR; branch_id VARCHAR; opened_at DATE; closed_at DATE",
            ("account_id",),
        ),
        _crm(
            "transactions",
            f"txn_id VARCHAR!; account_id VARCHAR!; booked_at TIMESTAMP!; amount {MONEY}!;"
            " currency VARCHAR; txn_type VARCHAR; channel VARCHAR; counterparty VARCHAR;"
            f" balance_after {MONEY}",
            ("txn_id",),
        ),
        _crm(
            "tickets",
            "ticket_id VARCHAR!; created_at TIMESTAMP!; channel VARCHAR; customer_id VARCHAR;"
            " caller_number VARCHAR; call_uniqueid VARCHAR; category VARCHAR;"
            " subcategory VARCHAR; priority VARCHAR; center_id VARCHAR; agent_id VARCHAR;"
            " department VARCHAR; status VARCHAR; resolved_at TIMESTAMP; closed_at TIMESTAMP;"
            " first_contact_resolved BOOLEAN; satisfaction INTEGER; summary VARCHAR;"
            " updated_at TIMESTAMP",
            ("ticket_id",),
            versioned=True,
        ),
        _crm(
            "ticket_events",
            "ticket_id VARCHAR!; event_at TIMESTAMP!; event VARCHAR!; from_department VARCHAR;"
            " to_department VARCHAR; actor VARCHAR",
            ("ticket_id", "event_at", "event"),
        ),
        _crm(
            "web_callbacks",
            "request_id VARCHAR!; requested_at TIMESTAMP!; phone VARCHAR!; customer_id VARCHAR;"
            " topic VARCHAR; preferred_from TIMESTAMP; preferred_to TIMESTAMP",
            ("request_id",),
        ),
        _crm("dnc", "phone VARCHAR!; added_at TIMESTAMP; source VARCHAR", ("phone",)),
    )
}

METADATA_COLUMNS: tuple[Column, ...] = (
    Column("_file_id", "BIGINT"),
    Column("_line_no", "BIGINT"),
    Column("_record_key", "VARCHAR"),
    Column("_row_hash", "UBIGINT"),
    Column("_extra", "JSON"),
)


def raw_table_ddl(feed: Feed) -> str:
    """``CREATE TABLE IF NOT EXISTS raw.<feed>`` for the contract layout (trusted names only)."""
    cols = ", ".join(f'"{c.name}" {c.type}' for c in (*feed.columns, *METADATA_COLUMNS))
    return f"create table if not exists raw.{feed.name} ({cols})"
