"""Hand-written queue_log cases through the real dbt build, and full refresh == incremental.

One warehouse is built from three landings, each followed by a whole-project dbt build (the
second and third incremental): part 1; part 2, which finishes a call begun in part 1 across
midnight, corrects a transaction and resolves a ticket; part 3, a late file touching the older
day (a new call, a call spanning midnight, a ring-no-answer of an old call, an agent's pause, a
CDR, a transaction, a customer's new address, a new customer, a new ticket from that customer's
number and a late event of an old ticket). The case assertions read that incremental result;
the last test rebuilds every incremental model with --full-refresh and requires identical
tables.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, datetime
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
KEY_LIST_LIMIT = "CCDW_DBT_KEY_LIST_LIMIT"
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
    raw.land("accounts", [
        {"account_id": "AC1", "customer_id": "C1", "account_type": "savings"},
        # closes on DAY2: open while the data ends on DAY1, closed once it reaches DAY2
        {"account_id": "AC2", "customer_id": "C2", "account_type": "card", "closed_at": date(2026, 11, 29)},
    ], mtime)
    raw.land("policies", [
        {"policy_id": p, "customer_id": c, "product_line": "life", "status": "active", "annual_premium": 1200,
         "updated_at": datetime(2026, 1, 1)}
        for p, c in (("P1", "C1"), ("P2", "C2"), ("P3", "C2"))
    ], mtime)
    raw.land("premiums", [
        {"policy_id": "P1", "due_date": date(2026, 11, 20), "amount_due": 100},  # paid in part 2
        {"policy_id": "P2", "due_date": date(2026, 11, 25), "amount_due": 100},  # never paid
        {"policy_id": "P3", "due_date": date(2026, 11, 28), "amount_due": 100},  # due, then overdue
    ], mtime)


def ticket(ticket_id: str, created: datetime, updated: datetime, **fields: object) -> dict:
    return {"ticket_id": ticket_id, "created_at": created, "updated_at": updated, "channel": "phone",
            "category": "complaint", "priority": "normal", "center_id": "GD-GZ-TH", "department": "life",
            "status": "open", **fields}


def event(ticket_id: str, at: datetime, name: str, **fields: object) -> dict:
    return {"ticket_id": ticket_id, "event_at": at, "event": name, "actor": "system", **fields}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(home=tmp_path_factory.mktemp("wh_cases"))
    _build_three_landings(settings)
    yield settings


@pytest.fixture(scope="module")
def built_with_semi_joins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The same landings with no literal key lists: every incremental model that lists
    changed keys takes its semi-join path instead (macros/incremental.sql keys_now)."""
    settings = Settings(home=tmp_path_factory.mktemp("wh_cases_semi_join"))
    previous = os.environ.get(KEY_LIST_LIMIT)
    os.environ[KEY_LIST_LIMIT] = "0"
    try:
        _build_three_landings(settings)
        yield settings
    finally:
        if previous is None:
            os.environ.pop(KEY_LIST_LIMIT, None)
        else:
            os.environ[KEY_LIST_LIMIT] = previous


def _build_three_landings(settings: Settings) -> None:
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
    raw.land("tickets", [ticket("TK1", datetime(2026, 11, 28, 10, 5), datetime(2026, 11, 28, 10, 5),
                                customer_id="C1")], day1)
    raw.land("ticket_events", [
        event("TK1", datetime(2026, 11, 28, 10, 5), "created", to_department="life"),
        event("TK1", datetime(2026, 11, 28, 10, 30), "assigned", to_department="life"),
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
    raw.land("tickets", [ticket("TK1", datetime(2026, 11, 28, 10, 5), datetime(2026, 11, 29, 9),
                                customer_id="C1", status="resolved", resolved_at=datetime(2026, 11, 29, 9))], day2)
    raw.land("premiums", [{"policy_id": "P1", "due_date": date(2026, 11, 20), "amount_due": 100,
                           "paid_at": datetime(2026, 11, 29, 8), "amount_paid": 100}], day2)
    raw.land("ticket_events", [
        event("TK1", datetime(2026, 11, 29, 9), "transferred", from_department="life", to_department="claims"),
        event("TK1", datetime(2026, 11, 29, 9, 0, 1), "resolved"),
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
    raw.land("customers", [
        # C1 moves (a new SCD2 version; same phone, so no call changes its caller)
        {"customer_id": "C1", "name": "Zhang", "phone": "138-1234-5678", "id_number": "440102199001011234",
         "province": "Beijing", "city": "Beijing", "updated_at": datetime(2026, 11, 29, 18)},
        {"customer_id": "C3", "name": "Zhao", "phone": "13700007777", "province": "Guangdong",
         "city": "Shenzhen", "updated_at": datetime(2026, 11, 29, 18)},
    ], late)
    raw.land("tickets", [ticket("TK2", datetime(2026, 11, 28, 16), datetime(2026, 11, 28, 16),
                                caller_number="137 0000 7777", category="consultation")], late)
    raw.land("ticket_events", [
        event("TK2", datetime(2026, 11, 28, 16), "created", to_department="life"),
        event("TK1", datetime(2026, 11, 29, 20), "reopened", to_department="claims"),
    ], late)
    raw.land("cdr", [
        {"src": "13812345678", "dst": "8000", "start": datetime(2026, 11, 28, 9), "lastapp": "Queue",
         "lastdata": "overflow,t", "disposition": "ANSWERED", "billsec": 110, "dstchannel": "PJSIP/1002-2",
         "uniqueid": "L1", "linkedid": "L1", "sequence": 1,
         "answer": datetime(2026, 11, 28, 9, 0, 10), "end": datetime(2026, 11, 28, 9, 2)},
    ], late)
    con.close()
    build(settings, select=WAREHOUSE_MODELS, publish_copy=False)


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


def test_late_crm_and_ticket_changes(built: Settings) -> None:
    versions = query(built, "select version_no, province, is_current from marts.dim_customer"
                            " where customer_id = 'C1' order by version_no")
    assert versions == [(1, "Guangdong", False), (2, "Beijing", True)]
    [(owner,)] = query(built, "select customer_id from intermediate.int_phone_identity"
                              " where phone_e164 = '+8613700007777'")
    assert owner == "C3"
    rows = query(built, "select ticket_id, customer_id, status, reopen_count, handoff_count"
                        " from marts.fct_tickets order by ticket_id")
    assert rows == [("TK1", "C1", "resolved", 1, 1), ("TK2", "C3", "open", 0, 0)]
    events = query(built, "select event_seq, event from marts.fct_ticket_events where ticket_id = 'TK1'"
                          " order by event_seq")
    assert events == [(1, "created"), (2, "assigned"), (3, "transferred"), (4, "resolved"), (5, "reopened")]
    [(balance,)] = query(built, "select balance_after from intermediate.int_account_balances"
                                " where account_id = 'AC1'")
    assert balance is None  # the hand-made transactions carry no balance_after
    [(province, open_tickets, complaints)] = query(
        built, "select province, open_tickets, complaints_90d from marts.mart_customer_360"
               " where customer_id = 'C1'")
    assert (province, open_tickets, complaints) == ("Beijing", 0, 1)


def test_as_of_date_moves_premiums_and_accounts(built: Settings) -> None:
    # the data ends on DAY2 (2026-11-29) after part 2
    premiums = query(built, "select policy_id, premium_status, overdue_days from marts.fct_premiums order by 1")
    assert premiums == [("P1", "paid", 9), ("P2", "overdue", 4), ("P3", "overdue", 1)]
    assert query(built, "select account_id, is_open from marts.dim_account order by 1") == [
        ("AC1", True), ("AC2", False)]


# Every incremental model of this room (macros/incremental.sql).
INCREMENTAL_MODELS = (
    "fct_queue_calls", "fct_calls", "fct_transactions", "queue_call_numbers_restricted",
    "fct_agent_states", "agg_queue_daily", "agg_queue_interval", "agg_center_daily",
    "agg_agent_daily", "fct_tickets", "fct_ticket_events", "dim_customer", "fct_contacts_fcr",
    "dim_policy", "dim_account", "fct_premiums", "customer_contact_restricted",
)
INCREMENTAL_INTERMEDIATE = ("int_customers_current", "int_phone_identity", "int_account_balances")


def test_incremental_models_are_incremental(built: Settings) -> None:
    manifest = (built.home / "dbt" / "target" / "manifest.json").read_text()
    nodes = json.loads(manifest)["nodes"]
    incremental = {
        node["name"] for node in nodes.values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        and node["fqn"][1:3] in (["marts", "core"], ["marts", "kpi"])
    }
    assert incremental == set(INCREMENTAL_MODELS)


def test_full_refresh_equals_incremental(built: Settings) -> None:
    _assert_full_refresh_equals_incremental(built)


def test_semi_join_path_equals_full_refresh(built_with_semi_joins: Settings) -> None:
    compiled = built_with_semi_joins.home / "dbt" / "target" / "compiled"
    [fct_tickets] = list(compiled.rglob("fct_tickets.sql"))
    assert "ticket_id in (select found_key from" in fct_tickets.read_text()
    _assert_full_refresh_equals_incremental(built_with_semi_joins)


def _assert_full_refresh_equals_incremental(built: Settings) -> None:
    tables = [("marts", t) for t in INCREMENTAL_MODELS] + [("intermediate", t) for t in INCREMENTAL_INTERMEDIATE]
    con = duckdb.connect(str(built.warehouse_path))
    for schema, table in tables:
        con.execute(f"create or replace table main.incremental_{table} as select * from {schema}.{table}")
    con.close()
    selected = " ".join(INCREMENTAL_MODELS + INCREMENTAL_INTERMEDIATE)
    build(built, select=selected, full_refresh=True, publish_copy=False)
    for schema, table in tables:
        [(total, only_incremental, only_full)] = query(
            built,
            f"select (select count(*) from {schema}.{table}),"
            f" (select count(*) from (select * from main.incremental_{table} except all select * from {schema}.{table})),"
            f" (select count(*) from (select * from {schema}.{table} except all select * from main.incremental_{table}))",
        )
        assert total > 0 and only_incremental == 0 and only_full == 0, table
