"""DDL of the ``raw`` schema: one table per feed plus the ingest metadata tables."""

from __future__ import annotations

import logging

import duckdb

from ingest.feeds import FEEDS, raw_table_ddl

log = logging.getLogger(__name__)

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


def _upgrade_row_hash(con: duckdb.DuckDBPyConnection, feed_name: str) -> None:
    """Warehouses landed before 2026-12-02 hold ``_row_hash`` as hex VARCHAR: convert it in
    place to the UBIGINT it spells, so duplicates of rows landed then are still found."""
    row = con.execute(
        "select data_type from information_schema.columns"
        " where table_schema = 'raw' and table_name = ? and column_name = '_row_hash'",
        [feed_name],
    ).fetchone()
    if row is None or row[0] != "VARCHAR":
        return
    log.info("raw.%s: converting _row_hash from hex VARCHAR to UBIGINT", feed_name)
    con.execute(
        f"alter table raw.{feed_name} alter column _row_hash set data type UBIGINT"  # noqa: S608 - name from ingest.feeds
        " using try_cast('0x' || _row_hash as UBIGINT)"
    )


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw`` and every table in it (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute(INGEST_FILES_DDL)
    con.execute(QUARANTINE_DDL)
    for feed in FEEDS.values():
        con.execute(raw_table_ddl(feed))
        _upgrade_row_hash(con, feed.name)
