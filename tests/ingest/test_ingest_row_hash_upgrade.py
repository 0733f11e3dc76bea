"""A warehouse landed before ``_row_hash`` became UBIGINT (it held the hash as hex VARCHAR) is
converted in place, and rows landed then are still recognised as duplicates."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ccdw.settings import Settings
from ingest.run import ingest_landing
from tests.ingest.ingest_test_helpers import BASE_MTIME, query

HEADER = "txn_id,account_id,booked_at,amount,currency\n"
FIRST = "T1,A1,2026-11-28 09:00:00,10.00,CNY\nT2,A1,2026-11-28 10:00:00,-5.50,CNY\n"
# T2 again (same content: a duplicate), T1 changed (a new version), T3 new.
SECOND = (
    "T2,A1,2026-11-28 10:00:00,-5.50,CNY\n"
    "T1,A1,2026-11-28 09:00:00,12.00,CNY\n"
    "T3,A2,2026-11-29 08:00:00,1.00,CNY\n"
)


def _write(path: Path, text: str, minute: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (BASE_MTIME + 60 * minute, BASE_MTIME + 60 * minute))


def test_hex_row_hash_is_converted_and_still_deduplicates(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    settings = Settings(home=tmp_path / "home")
    _write(landing / "transactions" / "txn-1.csv", HEADER + FIRST, 0)
    ingest_landing(landing, settings=settings)
    hashes = dict(query(settings, "select txn_id, _row_hash from raw.transactions"))

    # The layout before the change: the same hash as hex digits in a VARCHAR column.
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute(
            "alter table raw.transactions alter column _row_hash set data type VARCHAR"
            " using to_hex(_row_hash)"
        )
    finally:
        con.close()

    _write(landing / "transactions" / "txn-2.csv", HEADER + SECOND, 1)
    summary = ingest_landing(landing, settings=settings)

    assert query(
        settings,
        "select data_type from information_schema.columns where table_schema = 'raw'"
        " and table_name = 'transactions' and column_name = '_row_hash'",
    ) == [("UBIGINT",)]
    assert (
        dict(query(settings, "select txn_id, _row_hash from raw.transactions where _file_id = 1"))
        == hashes
    )
    [second] = summary.files
    assert (second.rows_read, second.rows_landed, second.rows_duplicate) == (3, 2, 1)
    assert query(
        settings,
        "select txn_id, amount::VARCHAR from raw.transactions where _file_id = ? order by 1",
        [second.file_id],
    ) == [("T1", "12.00"), ("T3", "1.00")]
