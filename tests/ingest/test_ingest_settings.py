"""Configuration knobs of the input contract: UTC CDRs, 17-column userfield CDRs, a named
encoding, and Parquet CRM exports."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from ccdw.settings import Settings
from ingest.run import ingest_landing
from tests.ingest.ingest_test_helpers import CORPUS, query


def _landing_with(tmp_path: Path, *rels: str) -> Path:
    landing = tmp_path / "landing"
    for rel in rels:
        target = landing / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / rel, target)
    return landing


def test_cdr_usegmtime_times_land_as_written(tmp_path: Path) -> None:
    """docs/interfaces.md: raw CDR times are naive as written (UTC under usegmtime); staging
    converts them with the same setting, so landing must not convert them a second time."""
    landing = _landing_with(tmp_path, "cdr/uniq-17col.csv", "cdr/old-16col.csv")
    settings = Settings(home=tmp_path / "home", cdr_usegmtime=True, timezone="Asia/Shanghai")
    ingest_landing(landing, settings=settings)
    rows = query(settings, 'select start, answer, "end" from raw.cdr order by start')
    assert rows == [
        (
            datetime(2010, 5, 1, 10, 0, 0),
            datetime(2010, 5, 1, 10, 0, 3),
            datetime(2010, 5, 1, 10, 1, 3),
        ),
        (datetime(2010, 5, 1, 10, 5, 0), None, datetime(2010, 5, 1, 10, 5, 30)),
        (
            datetime(2012, 6, 1, 10, 0, 0),
            datetime(2012, 6, 1, 10, 0, 3),
            datetime(2012, 6, 1, 10, 1, 3),
        ),
    ]


def test_cdr_17_columns_can_end_in_userfield(tmp_path: Path) -> None:
    landing = _landing_with(tmp_path, "cdr/uniq-17col.csv")
    settings = Settings(home=tmp_path / "home", cdr_userfield_without_uniqueid=True)
    ingest_landing(landing, settings=settings)
    [(uniqueid, userfield, key)] = query(
        settings, "select uniqueid, userfield, _record_key from raw.cdr"
    )
    assert (uniqueid, userfield) == (None, "1338544800.4")
    assert re.fullmatch(r"row:[0-9A-F]{1,16}:[0-9A-F]{1,16}", key)  # no uniqueid: the whole row


def test_configured_encoding_is_used(tmp_path: Path, monkeypatch) -> None:
    landing = _landing_with(tmp_path, "policies/policies-gbk.csv")
    monkeypatch.setenv("CCDW_ENCODING", "gb18030")
    settings = Settings(home=tmp_path / "home")
    summary = ingest_landing(landing, settings=settings)
    assert summary.files[0].encoding == "gb18030"
    assert summary.files[0].message == "encoding gb18030 from CCDW_ENCODING"
    assert query(settings, "select count(*) from raw.policies") == [(2,)]


def _write_parquet(path: Path, first_column: str) -> None:
    con = duckdb.connect()
    con.execute(
        "copy (select * from (values"
        " ('A1', 'C1', 'savings', 'CNY', 'B01', date '2020-01-01', NULL::DATE, 'vip'),"
        " (NULL, 'C2', 'card', 'CNY', 'B02', date '2021-01-01', NULL::DATE, NULL))"
        f" as t({first_column}, customer_id, account_type, currency, branch_id, opened_at,"
        " closed_at, segment)) to ? (format parquet)",
        [str(path)],
    )
    con.close()


def test_parquet_crm_export(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "accounts").mkdir(parents=True)
    _write_parquet(landing / "accounts" / "accounts.parquet", "account_id")
    _write_parquet(landing / "accounts" / "no-key.parquet", "acct")
    settings = Settings(home=tmp_path / "home")
    summary = ingest_landing(landing, settings=settings)
    by_name = {Path(r.path).name: r for r in summary.files}
    good = by_name["accounts.parquet"]
    assert (good.status, good.rows_read, good.rows_landed, good.rows_quarantined) == (
        "landed",
        2,
        1,
        1,
    )
    assert query(settings, "select account_id, customer_id, _extra::VARCHAR from raw.accounts") == [
        ("A1", "C1", '{"segment":"vip"}')
    ]
    assert query(settings, "select line_no, reason from raw.quarantine") == [
        (2, "missing account_id")
    ]
    bad = by_name["no-key.parquet"]
    assert bad.status == "rejected"
    assert bad.message.endswith(
        "header has no key column account_id (header: acct, customer_id, account_type,"
        " currency, branch_id, opened_at, closed_at, segment)"
    )
