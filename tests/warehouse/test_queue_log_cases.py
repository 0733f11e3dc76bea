"""Hand-written queue_log cases through the real dbt build, and full refresh == incremental.

One warehouse is built from three landings, each followed by a whole-project dbt build (the
second and third incremental): part 1; part 2, which finishes a call begun in part 1 across
midnight and corrects a transaction; part 3, a late file touching the older day (a new call,
a call spanning midnight, a ring-no-answer of an old call, an agent's pause, a CDR and a
transaction). The case assertions read that incremental result; the last test rebuilds every
incremental model with --full-refresh and requires identical tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ccdw.settings import Settings
from ccdw.warehouse import build
from tests.warehouse.rawdb import RawWriter, queue_log_rows

SITE = ZoneInfo("Asia/Shanghai")
# This room's models (the campaigns room's marts are tested by that room).
WAREHOUSE_MODELS = (
    "path:models/staging path:models/intermediate path:models/marts/core path:models/marts/kpi"
)
DAY1 = "2026-11-28"
DAY2 = "2026-11-29"


def at(local: str) -> int:
    """Site-local 'YYYY-MM-DD HH:MM:SS' -> Unix epoch."""
    return int(datetime.fromisoformat(local).replace(tzinfo=SITE).timestamp())


def lines(*rows: tuple[str, str, str, str, str, str]) -> str:
    """(local time, callid, queue, agent, event, data) -> queue_log text."""
    return "\n".join(f"{at(t)}|{c}|{q}|{a}|{e}|{d}" for t, c, q, a, e, d in rows)


PART1 = lines(
    # agent presence: A1 logs in before midnight, pauses for wrap-up across midnight
    (f"{DAY1} 08:00:00", "NONE", "life", "Agent/1001", "ADDMEMBER", ""),
    (f"{DAY1} 08:00:00", "NONE", "bank", "Agent/1002", "ADDMEMBER", ""),
    # transfer: answered in life, blind-transferred into bank (new entry, same callid)
    (f"{DAY1} 10:00:00", "T1", "life", "NONE", "ENTERQUEUE", "|13812345678|1"),
    (f"{DAY1} 10:00:08", "T1", "life", "Agent/1001", "CONNECT", "8|T1.2|2"),
    (f"{DAY1} 10:01:08", "T1", "life", "Agent/1001", "BLINDTRANSFER", "8000|from-queue|8|60|1"),
    (f"{DAY1} 10:01:08", "T1", "bank", "NONE", "ENTERQUEUE", "|13812345678|1"),
    (f"{DAY1} 10:01:13", "T1", "bank", "Agent/1002", "CONNECT", "5|T1.3|1"),
    (f"{DAY1} 10:02:53", "T1", "bank", "Agent/1002", "COMPLETEAGENT", "5|100|1"),
    # ring-no-answer twice, then answered by another agent after 32 s (outside SL 20)
    (f"{DAY1} 11:00:00", "R1", "life", "NONE", "ENTERQUEUE", "|02087654321|1"),
    (f"{DAY1} 11:00:15", "R1", "life", "Agent/1001", "RINGNOANSWER", "15000"),
    (f"{DAY1} 11:00:30", "R1", "life", "Agent/1001", "RINGNOANSWER", "15012"),
    (f"{DAY1} 11:00:32", "R1", "life", "Agent/1002", "CONNECT", "32|R1.2|2"),
    (f"{DAY1} 11:01:22", "R1", "life", "Agent/1002", "COMPLETECALLER", "32|50|1"),
    # caller abandons while an agent's phone rings: RINGCANCELED is not a ring-no-answer
    (f"{DAY1} 12:00:00", "AB1", "life", "NONE", "ENTERQUEUE", "|13900001111|1"),
    (f"{DAY1} 12:00:03", "AB1", "life", "Agent/1001", "RINGCANCELED", "3004"),
    (f"{DAY1} 12:00:03", "AB1", "life", "NONE", "ABANDON", "1|1|3"),
    (f"{DAY1} 12:10:00", "AB2", "life", "NONE", "ENTERQUEUE", "|13900002222|1"),
    (f"{DAY1} 12:10:40", "AB2", "life", "NONE", "ABANDON", "1|1|40"),
    # Asterisk 1.4: CONNECT without ringtime, old 4-field TRANSFER
    (f"{DAY1} 13:00:00", "OLD1", "bank", "NONE", "ENTERQUEUE", "|13900003333|1"),
    (f"{DAY1} 13:00:04", "OLD1", "bank", "Agent/1002", "CONNECT", "4|OLD1.2"),
    (f"{DAY1} 13:00:34", "OLD1", "bank", "Agent/1002", "COMPLETEAGENT", "4|30|1"),
    (f"{DAY1} 13:10:00", "OLD2", "bank", "NONE", "ENTERQUEUE", "|13900004444|1"),
    (f"{DAY1} 13:10:06", "OLD2", "bank", "Agent/1002", "CONNECT", "6|OLD2.2"),
    (f"{DAY1} 13:10:51", "OLD2", "bank", "Agent/1002", "TRANSFER", "2000|from-internal|6|45"),
    # unknown events: kept raw, ignored by the KPIs (one inside a call)
    (f"{DAY1} 13:20:00", "NONE", "NONE", "NONE", "QUEUESTART", ""),
    (f"{DAY1} 13:20:01", "NONE", "life", "NONE", "SOMEFUTUREEVENT", "x|y"),
    (f"{DAY1} 13:30:00", "U1", "life", "NONE", "ENTERQUEUE", "|13900005555|1"),
    (f"{DAY1} 13:30:02", "U1", "life", "Agent/1001", "CONNECT", "2|U1.2|1"),
    (f"{DAY1} 13:30:10", "U1", "life", "Agent/1001", "HOLDSTART", "music"),
    (f"{DAY1} 13:31:02", "U1", "life", "Agent/1001", "COMPLETECALLER", "2|60|1"),
    # the other exits
    (f"{DAY1} 14:00:00", "X1", "life", "NONE", "ENTERQUEUE", "|13900006666|1"),
    (f"{DAY1} 14:05:00", "X1", "life", "NONE", "EXITWITHTIMEOUT", "1|1|300"),
    (f"{DAY1} 14:10:00", "X2", "life", "NONE", "ENTERQUEUE", "|13900007777|1"),
    (f"{DAY1} 14:10:02", "X2", "life", "NONE", "EXITEMPTY", "1|1|2"),
    (f"{DAY1} 14:20:00", "X3", "life", "NONE", "ENTERQUEUE", "|13900008888|1"),
    (f"{DAY1} 14:20:09", "X3", "life", "NONE", "EXITWITHKEY", "1|1|1|9"),
    (f"{DAY1} 14:30:00", "X4", "life", "NONE", "ENTERQUEUE", "|13900009999|1"),
    (f"{DAY1} 14:30:07", "X4", "life", "NONE", "WITHDRAW", "1|1|7"),
    # wrap-up pause across midnight (23:30 -> 00:30)
    (f"{DAY1} 23:30:00", "NONE", "life", "Agent/1001", "PAUSE", "wrapup"),
    # a call entering at 23:59:50 and answered after midnight: counts on DAY1;
    # its completion only arrives in part 2
    (f"{DAY1} 23:59:50", "M1", "life", "NONE", "ENTERQUEUE", "|13812345678|1"),
    (f"{DAY1} 23:59:55", "M1", "life", "Agent/1002", "CONNECT", "5|M1.2|1"),
)

PART2 = lines(
    (f"{DAY2} 00:00:45", "M1", "life", "Agent/1002", "COMPLETECALLER", "5|50|1"),
    (f"{DAY2} 00:30:00", "NONE", "life", "Agent/1001", "UNPAUSE", ""),
    (f"{DAY2} 02:00:00", "NONE", "life", "Agent/1001", "REMOVEMEMBER", ""),
    (f"{DAY2} 02:00:00", "NONE", "bank", "Agent/1002", "REMOVEMEMBER", ""),
    # still waiting when the log ends: outcome unknown
    (f"{DAY2} 01:00:00", "W1", "life", "NONE", "ENTERQUEUE", "|13900001234|1"),
)

# A late file, landed after part 2, with lines of DAY1 (the older day) only. It uses the
# unlisted queue "overflow" and Agent/1002 so the cases above keep their numbers.
PART3_LATE = lines(
    (f"{DAY1} 09:00:00", "L1", "overflow", "NONE", "ENTERQUEUE", "|13812345678|1"),
    (f"{DAY1} 09:00:10", "L1", "overflow", "Agent/1002", "CONNECT", "10|L1.2|1"),
    (f"{DAY1} 09:02:00", "L1", "overflow", "Agent/1002", "COMPLETECALLER", "10|110|1"),
    # a ring-no-answer of an old call (OLD2, answered by Agent/1002 in part 1)
    (f"{DAY1} 13:10:03", "OLD2", "bank", "Agent/1002", "RINGNOANSWER", "3000"),
    (f"{DAY1} 15:00:00", "NONE", "bank", "Agent/1002", "PAUSE", "lunch"),
    (f"{DAY1} 15:30:00", "NONE", "bank", "Agent/1002", "UNPAUSE", ""),
    # entering before midnight, abandoned after it: counts on DAY1
    (f"{DAY1} 23:58:00", "L2", "overflow", "NONE", "ENTERQUEUE", "|13900005555|1"),
    (f"{DAY2} 00:01:00", "L2", "overflow", "NONE", "ABANDON", "1|1|180"),
)


def _land_reference_data(raw: RawWriter, mtime: datetime) -> None:
    raw.land("centers", [
        {"center_id": "GD", "name": "Guangdong", "parent_center_id": None, "level": "province"},
        {"center_id": "GD-GZ", "name": "Guangzhou", "parent_center_id": "GD", "level": "city"},
        {"center_id": "GD-GZ-TH", "name": "Tianhe", "parent_center_id": "GD-GZ", "level": "county"},
    ], mtime)
    raw.land("queues", [
        {"queue": "life", "center_id": "GD-GZ-TH", "business_line": "life", "service_level_seconds": 20},
        {"queue": "bank", "center_id": "GD-GZ", "business_line": "bank", "service_level_seconds": None},
    ], mtime)
    raw.land("agents", [
        {"agent_id": "A1", "queue_member": "Agent/1001", "name": "Li", "center_id": "GD-GZ-TH"},
        {"agent_id": "A2", "queue_member": "Agent/1002", "name": "Wang", "center_id": "GD-GZ"},
    ], mtime)
    raw.land("customers", [
        {"customer_id": "C1", "name": "Zhang", "phone": "138-1234-5678", "id_number": "440102199001011234",
         "province": "Guangdong", "city": "Guangzhou", "updated_at": datetime(2026, 1, 1)},
        {"customer_id": "C2", "name": "Chen", "phone": "+8613812345678", "phone2": "020-87654321-8001",
         "province": "Guangdong", "city": "Guangzhou", "updated_at": datetime(2025, 1, 1)},
    ], mtime)
    raw.land("accounts", [{"account_id": "AC1", "customer_id": "C1", "account_type": "savings"}], mtime)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(home=tmp_path_factory.mktemp("wh_cases"))
    settings.home.mkdir(parents=True, exist_ok=True)
    day1 = datetime(2026, 11, 29, 1)
    con = duckdb.connect(str(settings.warehouse_path))
    raw = RawWriter(con)
    _land_reference_data(raw, day1)
    raw.land("queue_log", queue_log_rows(PART1), day1, "queue_log-1")
    raw.land("transactions", [
        {"txn_id": "TX1", "account_id": "AC1", "booked_at": datetime(2026, 11, 28, 9), "amount": 100},
        {"txn_id": "TX2", "account_id": "AC1", "booked_at": datetime(2026, 11, 28, 10), "amount": -40},
    ], day1)
    raw.land("cdr", [
        {"src": "13812345678", "dst": "8000", "start": datetime(2026, 11, 28, 10), "lastapp": "Queue",
         "lastdata": "life,t", "disposition": "ANSWERED", "billsec": 60, "dstchannel": "PJSIP/1001-1",
         "uniqueid": "T1", "linkedid": "T1", "sequence": 1,
         "answer": datetime(2026, 11, 28, 10, 0, 8), "end": datetime(2026, 11, 28, 10, 1, 8)},
    ], day1)
    con.close()
    build(settings, select=WAREHOUSE_MODELS, publish_copy=False)

    day2 = datetime(2026, 11, 30, 1)
    con = duckdb.connect(str(settings.warehouse_path))
    raw = RawWriter(con)
    raw.land("queue_log", queue_log_rows(PART2), day2, "queue_log-2")
    raw.land("transactions", [  # a correction of TX2 and a new transaction
        {"txn_id": "TX2", "account_id": "AC1", "booked_at": datetime(2026, 11, 28, 10), "amount": -45},
        {"txn_id": "TX3", "account_id": "AC1", "booked_at": datetime(2026, 11, 29, 9), "amount": 7},
    ], day2)
    raw.land("cdr", [
        {"src": "13812345678", "dst": "8000", "start": datetime(2026, 11, 28, 10, 1, 8), "lastapp": "Queue",
         "lastdata": "bank,t", "disposition": "ANSWERED", "billsec": 100, "dstchannel": "PJSIP/1002-1",
         "uniqueid": "T1.5", "linkedid": "T1", "sequence": 2,
         "answer": datetime(2026, 11, 28, 10, 1, 13), "end": datetime(2026, 11, 28, 10, 2, 53)},
    ], day2)
    con.close()
    build(settings, select=WAREHOUSE_MODELS, publish_copy=False)

    late = datetime(2026, 11, 30, 9)
    con = duckdb.connect(str(settings.warehouse_path))
    raw = RawWriter(con)
    raw.land("queue_log", queue_log_rows(PART3_LATE), late, "queue_log-late")
    raw.land("transactions", [
        {"txn_id": "TX4", "account_id": "AC1", "booked_at": datetime(2026, 11, 27, 16), "amount": 12},
    ], late)
    raw.land("cdr", [
        {"src": "13812345678", "dst": "8000", "start": datetime(2026, 11, 28, 9), "lastapp": "Queue",
         "lastdata": "overflow,t", "disposition": "ANSWERED", "billsec": 110, "dstchannel": "PJSIP/1002-2",
         "uniqueid": "L1", "linkedid": "L1", "sequence": 1,
         "answer": datetime(2026, 11, 28, 9, 0, 10), "end": datetime(2026, 11, 28, 9, 2)},
    ], late)
    con.close()
    build(settings, select=WAREHOUSE_MODELS, publish_copy=False)
    yield settings


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def entry(settings: Settings, call_id: str, queue: str) -> dict:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        cur = con.execute(
            "select * from marts.fct_queue_calls where call_id = ? and queue = ?", [call_id, queue]
        )
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def test_transfer_is_a_new_entry_with_the_same_callid(built: Settings) -> None:
    first, second = entry(built, "T1", "life"), entry(built, "T1", "bank")
    assert (first["outcome"], first["agent_id"], first["talk_seconds"], first["transferred"]) == (
        "answered", "A1", 60, True)
    assert (second["outcome"], second["agent_id"], second["wait_seconds"], second["talk_seconds"]) == (
        "answered", "A2", 5, 100)
    assert second["transferred"] is False
    assert first["queue_call_id"] != second["queue_call_id"]


def test_ring_no_answer_then_answer(built: Settings) -> None:
    row = entry(built, "R1", "life")
    assert (row["outcome"], row["agent_id"], row["wait_seconds"], row["ring_no_answer_count"]) == (
        "answered", "A2", 32, 2)
    [(rna,)] = query(built, f"select ring_no_answer from marts.agg_agent_daily where agent_id = 'A1' and date = '{DAY1}'")
    assert rna == 2


def test_abandon_while_ringing(built: Settings) -> None:
    row = entry(built, "AB1", "life")
    assert (row["outcome"], row["wait_seconds"], row["agent_id"], row["ring_no_answer_count"]) == (
        "abandoned", 3, None, 0)


def test_old_asterisk_lines(built: Settings) -> None:
    old1, old2 = entry(built, "OLD1", "bank"), entry(built, "OLD2", "bank")
    assert (old1["outcome"], old1["wait_seconds"], old1["talk_seconds"]) == ("answered", 4, 30)
    assert (old2["outcome"], old2["talk_seconds"], old2["transferred"]) == ("answered", 45, True)


def test_unknown_events_are_ignored(built: Settings) -> None:
    row = entry(built, "U1", "life")
    assert (row["outcome"], row["talk_seconds"]) == ("answered", 60)
    [(lines_kept,)] = query(built, "select count(*) from staging.stg_raw__queue_log where event in ('SOMEFUTUREEVENT', 'HOLDSTART')")
    assert lines_kept == 2


def test_call_spanning_midnight_counts_on_entry_date(built: Settings) -> None:
    row = entry(built, "M1", "life")
    assert (str(row["entered_date"]), row["talk_seconds"], row["agent_id"]) == (DAY1, 50, "A2")
    assert str(row["interval_start"]) == f"{DAY1} 23:30:00"


def test_queue_daily_kpis(built: Settings) -> None:
    con = duckdb.connect(str(built.warehouse_path), read_only=True)
    cur = con.execute(f"select * from marts.agg_queue_daily where queue = 'life' and date = '{DAY1}'")
    names = [d[0] for d in cur.description]
    life = dict(zip(names, cur.fetchone(), strict=True))
    con.close()
    # life on DAY1: T1, R1, AB1, AB2, U1, X1..X4, M1 = 10 entries
    expected_counts = {
        "offered": 10, "answered": 4, "abandoned": 2, "short_abandoned": 1, "timeout": 1,
        "exit_empty": 1, "exit_key": 1, "withdrawn": 1, "unknown": 0, "answered_within_sl": 3,
    }
    assert {k: life[k] for k in expected_counts} == expected_counts
    assert life["service_level"] == pytest.approx(3 / 9)
    assert life["asterisk_service_level"] == pytest.approx(3 / 4)
    assert life["asa_seconds"] == pytest.approx((8 + 32 + 2 + 5) / 4)
    assert life["aht_seconds"] == pytest.approx((60 + 50 + 60 + 50) / 4)
    assert life["abandon_rate"] == pytest.approx(2 / 10)
    assert life["max_wait_seconds"] == 300
    [(unknown,)] = query(built, f"select unknown from marts.agg_queue_daily where queue = 'life' and date = '{DAY2}'")
    assert unknown == 1
    # bank has no service_level_seconds in the feed: the default 20 applies
    [(bank_sl,)] = query(built, f"select answered_within_sl from marts.agg_queue_daily where queue = 'bank' and date = '{DAY1}'")
    assert bank_sl == 3


def test_agent_presence_split_at_midnight(built: Settings) -> None:
    rows = query(built, "select date, logged_in_seconds, paused_seconds, acw_seconds, calls_handled"
                        " from marts.agg_agent_daily where agent_id = 'A1' order by date")
    assert [(str(d), li, p, a, c) for d, li, p, a, c in rows] == [
        (DAY1, 16 * 3600, 1800, 1800, 2),
        (DAY2, 2 * 3600, 1800, 1800, 0),
    ]


def test_center_rollup_and_identity(built: Settings) -> None:
    rollup = dict(query(built, f"select center_id, offered from marts.agg_center_daily where date = '{DAY1}'"))
    # life (county GD-GZ-TH) 10 entries, bank (city GD-GZ) 3
    assert rollup == {"GD-GZ-TH": 10, "GD-GZ": 13, "GD": 13}
    # +8613812345678 is claimed by C1 (phone, updated 2026) and C2 (updated 2025): latest wins
    assert entry(built, "T1", "life")["customer_id"] == "C1"
    assert entry(built, "R1", "life")["customer_id"] == "C2"  # 020-87654321 is C2's phone2
    assert entry(built, "T1", "life")["caller_number_masked"] == "138****5678"


def test_incremental_picked_up_corrections(built: Settings) -> None:
    amounts = dict(query(built, "select txn_id, amount from marts.fct_transactions"))
    assert {k: float(v) for k, v in amounts.items()} == {"TX1": 100.0, "TX2": -45.0, "TX3": 7.0, "TX4": 12.0}
    [(legs, talk)] = query(built, "select leg_count, talk_seconds from marts.fct_calls where call_id = 'T1'")
    assert (legs, talk) == (2, 160)


def test_late_file_reaches_the_older_day(built: Settings) -> None:
    [(offered, answered, abandoned, last_file)] = query(
        built, "select offered, answered, abandoned, last_source_file_id from marts.agg_queue_daily"
               f" where queue = 'overflow' and date = '{DAY1}'")
    assert (offered, answered, abandoned) == (2, 1, 1)  # L1, and L2 across midnight
    [(late_file,)] = query(built, "select file_id from raw.ingest_files where path like '%queue_log-late'")
    assert last_file == late_file
    assert entry(built, "OLD2", "bank")["ring_no_answer_count"] == 1
    [(handled, rna, paused)] = query(
        built, "select calls_handled, ring_no_answer, paused_seconds from marts.agg_agent_daily"
               f" where agent_id = 'A2' and date = '{DAY1}'")
    # A2 on DAY1: T1, R1, OLD1, OLD2, M1 and the late L1; the late RINGNOANSWER; 30 min lunch
    assert (handled, rna, paused) == (6, 1, 1800)
    [(legs,)] = query(built, "select leg_count from marts.fct_calls where call_id = 'L1'")
    assert legs == 1


# Every incremental model of this room (macros/incremental.sql).
INCREMENTAL_MODELS = (
    "fct_queue_calls", "fct_calls", "fct_transactions", "queue_call_numbers_restricted",
    "fct_agent_states", "agg_queue_daily", "agg_queue_interval", "agg_center_daily",
    "agg_agent_daily",
)


def test_incremental_models_are_incremental(built: Settings) -> None:
    manifest = (built.home / "dbt" / "target" / "manifest.json").read_text()
    nodes = json.loads(manifest)["nodes"]
    incremental = {
        node["name"] for node in nodes.values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        and node["fqn"][1:3] in (["marts", "core"], ["marts", "kpi"])
    }
    assert incremental == set(INCREMENTAL_MODELS)


def test_full_refresh_equals_incremental(built: Settings, tmp_path: Path) -> None:
    con = duckdb.connect(str(built.warehouse_path))
    for table in INCREMENTAL_MODELS:
        con.execute(f"create or replace table main.incremental_{table} as select * from marts.{table}")
    con.close()
    build(built, select=" ".join(INCREMENTAL_MODELS), full_refresh=True, publish_copy=False)
    for table in INCREMENTAL_MODELS:
        [(total, only_incremental, only_full)] = query(
            built,
            f"select (select count(*) from marts.{table}),"
            f" (select count(*) from (select * from main.incremental_{table} except all select * from marts.{table})),"
            f" (select count(*) from (select * from marts.{table} except all select * from main.incremental_{table}))",
        )
        assert total > 0 and only_incremental == 0 and only_full == 0, table
