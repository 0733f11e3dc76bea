"""The bad-input corpus: every rule of the input contract, with the precise message and the
reconciliation of every file (rows read = landed + duplicate + quarantined)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ccdw.settings import Settings
from ingest.run import IngestSummary, ingest_landing
from tests.ingest.ingest_test_helpers import copy_corpus, query


@pytest.fixture(scope="module")
def corpus_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[IngestSummary, Settings, Path]:
    """The corpus ingested once for the read-only tests of this module."""
    root = tmp_path_factory.mktemp("corpus")
    landing = copy_corpus(root / "landing")
    settings = Settings(home=root / "home")
    return ingest_landing(landing, settings=settings), settings, landing


@pytest.fixture
def corpus_run(corpus_once) -> tuple[IngestSummary, Settings]:
    summary, settings, _ = corpus_once
    return summary, settings


@pytest.fixture
def corpus_copy(corpus_landing: Path, home_settings: Settings) -> tuple[Settings, Path]:
    """A private run for tests that ingest again (paths are part of a file's identity)."""
    ingest_landing(corpus_landing, settings=home_settings)
    return home_settings, corpus_landing


def _file(settings: Settings, name: str) -> dict:
    rows = query(
        settings,
        "select file_id, feed, path, encoding, rows_read, rows_landed, rows_duplicate,"
        " rows_quarantined, status, message from raw.ingest_files where path like ?",
        [f"%/{name}"],
    )
    assert len(rows) == 1, f"{name} recorded {len(rows)} times"
    keys = (
        "file_id feed path encoding rows_read rows_landed rows_duplicate rows_quarantined"
        " status message"
    ).split()
    return dict(zip(keys, rows[0], strict=True))


def _quarantine(settings: Settings, name: str) -> list[tuple[int, str, str]]:
    file_id = _file(settings, name)["file_id"]
    return query(
        settings,
        "select line_no, reason, raw_line from raw.quarantine where file_id = ? order by line_no",
        [file_id],
    )


def test_every_landed_file_reconciles_with_the_tables(corpus_run) -> None:
    summary, settings = corpus_run
    files = query(
        settings,
        "select file_id, feed, rows_read, rows_landed, rows_duplicate, rows_quarantined, status"
        " from raw.ingest_files",
    )
    assert len(files) == 15  # in-flight files and unknown directories are not recorded
    for file_id, feed, read, landed, duplicate, quarantined, status in files:
        in_raw = query(settings, f"select count(*) from raw.{feed} where _file_id = ?", [file_id])
        in_quarantine = query(
            settings, "select count(*) from raw.quarantine where file_id = ?", [file_id]
        )
        assert in_raw[0][0] == landed
        assert in_quarantine[0][0] == quarantined
        if status == "landed":
            assert read == landed + duplicate + quarantined
        else:
            assert (read, landed, quarantined) == (0, 0, 0)
    assert (
        summary.rows_read == summary.rows_landed + summary.rows_duplicate + summary.rows_quarantined
    )


def test_cdr_bad_rows_are_quarantined_with_line_and_reason(corpus_run) -> None:
    _, settings = corpus_run
    assert _quarantine(settings, "Master.csv") == [
        (3, "expected 21 columns, found 19", _line("cdr/Master.csv", 3)),
        (4, "start: unparseable timestamp '2024-13-45 25:00:00'", _line("cdr/Master.csv", 4)),
        (6, "duration: not an integer 'x5'", _line("cdr/Master.csv", 6)),
    ]
    master = _file(settings, "Master.csv")
    assert (master["rows_read"], master["rows_landed"], master["rows_quarantined"]) == (6, 3, 3)
    landed_lines = query(
        settings,
        "select _line_no, uniqueid, sequence, _record_key from raw.cdr where _file_id = ?"
        " order by _line_no",
        [master["file_id"]],
    )
    assert landed_lines == [
        (1, "1764291600.1", 1, "1764291600.1#1"),
        (2, "1764292200.3", 2, "1764292200.3#2"),
        (5, "1764294000.6", 4, "1764294000.6#4"),
    ]
    # The one-pass reader found the bad answer timestamp too (18-column file, no width error).
    assert _quarantine(settings, "pbx11-18col.csv") == [
        (2, "answer: unparseable timestamp '2015-03-24 99:99:99'", _line("cdr/pbx11-18col.csv", 2))
    ]


def _line(rel: str, line_no: int) -> str:
    from tests.ingest.ingest_test_helpers import CORPUS

    return (CORPUS / rel).read_text(encoding="utf-8").splitlines()[line_no - 1]


def test_per_account_copy_lands_once_and_same_bytes_is_a_duplicate_file(corpus_run) -> None:
    _, settings = corpus_run
    copy = _file(settings, "1001.csv")
    assert (copy["rows_read"], copy["rows_landed"], copy["rows_duplicate"]) == (2, 1, 1)
    assert query(settings, "select count(*) from raw.cdr where uniqueid = '1764294000.6'") == [(1,)]
    resent = _file(settings, "1001-resent.csv")
    assert resent["status"] == "duplicate"
    assert resent["rows_landed"] == 0
    assert resent["message"] == f"same bytes as {copy['path']}"


def test_cdr_layouts_16_17_18_21_columns(corpus_run) -> None:
    _, settings = corpus_run
    rows = query(
        settings,
        "select regexp_extract(f.path, '[^/]+$'), c.src, c.uniqueid, c.userfield, c.sequence,"
        " c.answer from raw.cdr c join raw.ingest_files f on f.file_id = c._file_id"
        " where f.path like '%col.csv' order by 1, c._line_no",
    )
    assert rows == [
        ("old-16col.csv", "13900000001", None, None, None, _ts("2010-05-01 10:00:03")),
        ("old-16col.csv", "13900000002", None, None, None, None),
        ("pbx11-18col.csv", "100", "1427211880.0", None, None, _ts("2015-03-24 15:44:40")),
        ("pbx11-18col.csv", None, "1427212800.3", "M-77", None, None),
        ("uniq-17col.csv", "13900000003", "1338544800.4", None, None, _ts("2012-06-01 10:00:03")),
    ]
    # Without uniqueid the whole row is the identity.
    keys = query(settings, "select _record_key from raw.cdr where src = '13900000001'")
    assert re.fullmatch(r"row:[0-9A-F]{1,16}:[0-9A-F]{1,16}", keys[0][0])


def _ts(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_gzip_crlf_bom_file_lands_clean(corpus_run) -> None:
    _, settings = corpus_run
    gz = _file(settings, "Master-crlf-bom.csv.gz")
    assert (gz["status"], gz["rows_read"], gz["rows_landed"]) == ("landed", 2, 2)
    rows = query(
        settings,
        "select accountcode, uniqueid, sequence from raw.cdr where _file_id = ? order by _line_no",
        [gz["file_id"]],
    )
    # No BOM left in the first field, no \r left in the last one.
    assert rows == [(None, "1764298800.10", 7), (None, "1764299100.12", 8)]


def test_queue_log_short_lines_unknown_events_and_bad_rows(corpus_run) -> None:
    _, settings = corpus_run
    assert _quarantine(settings, "queue_log.log") == [
        (9, "epoch: not an integer 'abc'", "abc|1764292200.3|sales|NONE|ABANDON|1|1|30"),
        (
            11,
            "expected at least 5 fields (epoch|callid|queuename|agent|event), found 3",
            "1764292260|1764292200.3|sales",
        ),
    ]
    rows = query(
        settings,
        "select _line_no, event, data1, data2, data3 from raw.queue_log"
        " where _line_no in (5, 7, 10, 12) order by _line_no",
    )
    assert rows == [
        (5, "RINGNOANSWER", "15000", None, None),
        (7, "SOMEFUTUREEVENT", "a", "b", None),  # unknown events are kept
        (10, "QUEUESTART", None, None, None),  # "an event with no data still ends in |"
        (12, "CONNECT", "4", "1764292270.6", None),  # Asterisk 1.4: no ringtime
    ]


def test_crm_shuffled_columns_extra_columns_and_versions(corpus_run) -> None:
    _, settings = corpus_run
    assert [(n, r) for n, r, _ in _quarantine(settings, "customers-2026-11-27.csv")] == [
        (4, "missing customer_id"),
        (5, "birth_date: unparseable date '1990-02-30'"),
        (6, "do_not_call: not a boolean (0|1) 'maybe'"),
    ]
    later = _file(settings, "customers-2026-11-28.csv")
    # C001 changed (a new version raw keeps); C002 is identical (a duplicate).
    assert (later["rows_read"], later["rows_landed"], later["rows_duplicate"]) == (2, 1, 1)
    versions = query(
        settings,
        "select customer_id, phone, updated_at, _extra, _line_no from raw.customers"
        " order by customer_id, updated_at",
    )
    assert [(v[0], v[1]) for v in versions] == [
        ("C001", "13812345678"),
        ("C001", "13900000000"),
        ("C002", "+8613812345679"),
    ]
    assert json.loads(versions[0][3]) == {"loyalty_tier": "gold"}
    assert json.loads(versions[1][3]) == {"loyalty_tier": "platinum"}
    assert versions[1][4] == 2  # the header is line 1


def test_gb18030_file_is_detected_and_transcoded(corpus_run) -> None:
    _, settings = corpus_run
    policies = _file(settings, "policies-gbk.csv")
    assert policies["encoding"] == "gb18030"
    rows = query(settings, "select policy_id, _extra from raw.policies order by policy_id")
    assert [(p, json.loads(e)) for p, e in rows] == [
        ("P001", {"备注": "张伟的保单"}),
        ("P002", {"备注": "李娜 广州市"}),
    ]


def test_transactions_bad_amount_and_missing_key(corpus_run) -> None:
    _, settings = corpus_run
    assert [(n, r) for n, r, _ in _quarantine(settings, "txn-2026-11-28.csv")] == [
        (3, "amount: not a number 'abc'"),
        (4, "missing txn_id"),
    ]
    rows = query(settings, "select txn_id, amount::VARCHAR, counterparty from raw.transactions")
    assert sorted(rows) == [("T001", "-1200.50", None), ("T003", "49999.00", "Acme, Ltd.")]


def test_unreadable_files_are_rejected_whole_with_a_message(corpus_run) -> None:
    summary, settings = corpus_run
    expected = {
        "accounts-nokey.csv": "header has no key column account_id"
        " (header: customer_id, account_type, currency)",
        "txn-truncated.csv.gz": "truncated gzip (the stream ends before its end marker)",
        "garbage.csv": "binary content (NUL bytes): not a text export",
    }
    for name, problem in expected.items():
        record = _file(settings, name)
        assert record["status"] == "rejected"
        assert record["message"] == f"{record['path']}: {problem}"
    assert {Path(r.path).name for r in summary.rejected} == set(expected)
    # The rest of the batch still landed.
    assert query(settings, "select count(*) from raw.transactions") == [(2,)]


def test_in_flight_files_and_unknown_directories_are_not_recorded(corpus_run) -> None:
    _, settings = corpus_run
    paths = [p for (p,) in query(settings, "select path from raw.ingest_files")]
    assert not [p for p in paths if p.endswith((".part", ".tmp")) or "/." in p]
    assert not [p for p in paths if "/truth/" in p or "/unknown_feed/" in p]


def test_second_run_lands_nothing(corpus_copy) -> None:
    settings, landing = corpus_copy
    before = _snapshot(settings)
    again = ingest_landing(landing, settings=settings)
    assert again.files == []
    assert _snapshot(settings) == before


def _snapshot(settings: Settings) -> dict[str, list[tuple]]:
    from ingest.feeds import FEEDS

    tables = ["raw.ingest_files", "raw.quarantine", *(f"raw.{f}" for f in FEEDS)]
    return {t: sorted(map(repr, query(settings, f"select * from {t}"))) for t in tables}


def test_a_new_file_is_landed_incrementally(corpus_copy) -> None:
    settings, corpus_landing = corpus_copy
    (corpus_landing / "transactions" / "txn-2026-11-29.csv").write_text(
        "txn_id,account_id,booked_at,amount,currency,txn_type,channel,counterparty,balance_after\n"
        "T001,A001,2026-11-28 09:00:00,-1200.50,CNY,withdrawal,atm,,8799.50\n"
        "T100,A001,2026-11-29 09:00:00,5.00,CNY,deposit,counter,,8804.50\n",
        encoding="utf-8",
    )
    summary = ingest_landing(corpus_landing, settings=settings)
    assert [Path(r.path).name for r in summary.files] == ["txn-2026-11-29.csv"]
    assert [(r.status, r.rows_read, r.rows_landed, r.rows_duplicate) for r in summary.files] == [
        ("landed", 2, 1, 1)  # T001 was re-sent unchanged: a duplicate
    ]
