"""DDL of the ``raw`` schema: one table per feed plus the ingest metadata tables."""

from __future__ import annotations

import duckdb

from ingest.feeds import FEEDS, raw_table_ddl

INGEST_FILES_DDL = """
create table if not exists raw.ingest_files (
    file_id BIGINT,
    feed VARCHAR,
    path VARCHAR,
    sha256 VARCHAR,
    bytes BIGINT,
    encoding VARCHAR,
    rows_read BIGINT,
    rows_landed BIGINT,
    rows_duplicate BIGINT,
    rows_quarantined BIGINT,
    status VARCHAR,
    message VARCHAR,
    landed_at TIMESTAMP,
    file_mtime TIMESTAMP
)
"""

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    file_id BIGINT,
    feed VARCHAR,
    line_no BIGINT,
    raw_line VARCHAR,
    reason VARCHAR
)
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw`` and every table in it (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute(INGEST_FILES_DDL)
    con.execute(QUARANTINE_DDL)
    for feed in FEEDS.values():
        con.execute(raw_table_ddl(feed))
