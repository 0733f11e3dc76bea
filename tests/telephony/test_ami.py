"""The AMI path against a real TCP server on 127.0.0.1 speaking the manager protocol."""

from __future__ import annotations

from collections import Counter

import pytest

from ccdw.db import connect
from ccdw.errors import CcdwError
from telephony_adapter import dial
from tests.telephony.ami_server import AmiServerState, AmiTestServer
from tests.telephony.helpers import NOW, add_member, attempts

# Last digit of the number picks the server's Reason code (see ami_server.DEFAULT_REASONS).
PHONES = {
    "M1": "+8613800000001",  # answered (4)
    "M2": "+8613800000002",  # busy (5)
    "M3": "+8613800000003",  # no answer (3)
    "M4": "+8613800000004",  # congestion (8)
    "M5": "+8613800000005",  # failed (0)
}


def _settings_for(server: AmiTestServer, settings):
    return settings.model_copy(update={"ami_port": server.port})


def test_originate_carries_member_key_and_outcomes_are_recorded(dial_settings):
    for member_id, phone in PHONES.items():
        add_member(dial_settings, member_id, phone)
    with AmiTestServer() as server:
        summary = dial(_settings_for(server, dial_settings), via="ami", now=NOW, cps=50)

    state = server.state
    actions = [r.get("Action") for r in state.received]
    assert actions[0] == "Login" and actions[-1] == "Logoff"
    originates = state.originates()
    assert len(originates) == 5
    by_member = {}
    for o in originates:
        variables = o.all("Variable")
        member = next(v.split("=", 1)[1] for v in variables if v.startswith("CCDW_MEMBER="))
        assert f"CDR(userfield)={member}" in variables
        assert o.get("Async") == "true"
        assert o.get("Channel") == f"PJSIP/{PHONES[member]}@trunk"
        assert o.get("Context") == "ccdw-outbound" and o.get("Exten") == "s"
        by_member[member] = o.get("ActionID")
    assert len(set(by_member.values())) == 5  # one ActionID per attempt

    rows = {r[0]: r for r in attempts(dial_settings)}
    expected = {"M1": ("answered", 4), "M2": ("busy", 5), "M3": ("no answer", 3),
                "M4": ("congestion", 8), "M5": ("failed", 0)}
    for member_id, (status, reason) in expected.items():
        _, action_id, response, reason_code, uniqueid, final_status, via = rows[member_id]
        assert action_id == by_member[member_id]
        assert (response, reason_code, final_status, via) == ("Success", reason, status, "ami")
        assert uniqueid and uniqueid.startswith("17000000")
    assert summary.sent == 5 and summary.final == Counter(
        {"answered": 1, "busy": 1, "no answer": 1, "congestion": 1, "failed": 1})

    with connect(dial_settings, read_only=True) as con:
        statuses = dict(con.execute(
            "select member_id, status from ops.campaign_members").fetchall())
    # Answered is done; the others have one retry left (max_attempts 2) after the retry gap.
    assert statuses == {"M1": "done", "M2": "eligible", "M3": "eligible", "M4": "eligible",
                        "M5": "eligible"}

    # Running again at the same moment dials nobody: the retry gap has not passed.
    with AmiTestServer() as server2:
        again = dial(_settings_for(server2, dial_settings), via="ami", now=NOW, cps=50)
    assert again.sent == 0 and server2.state.originates() == []


def test_refused_login_is_one_clear_error(dial_settings):
    add_member(dial_settings, "M1", PHONES["M1"])
    with AmiTestServer(AmiServerState(secret="other")) as server:
        with pytest.raises(CcdwError, match="login as 'ccdw' refused: Authentication failed"):
            dial(_settings_for(server, dial_settings), via="ami", now=NOW)
    assert attempts(dial_settings) == []  # nothing recorded as sent


def test_disconnect_mid_campaign_never_originates_twice(dial_settings):
    members = {f"D{i}": f"+861390000{i:03d}1" for i in range(8)}
    for member_id, phone in members.items():
        add_member(dial_settings, member_id, phone)
    state = AmiServerState(drop_on_originate=3)
    with AmiTestServer(state) as server:
        summary = dial(_settings_for(server, dial_settings), via="ami", now=NOW, cps=100,
                       backoff_initial_s=0.01)

    originated = [o.get("ActionID") for o in state.originates()]
    assert len(originated) == 8 and len(set(originated)) == 8  # each member exactly once
    assert state.connections == 2 and summary.reconnects == 1
    rows = {r[0]: r for r in attempts(dial_settings)}
    open_ = sorted(m for m, r in rows.items() if r[5] is None)
    unknown = [m for m in open_ if rows[m][2] is None]
    # The Originate the server swallowed has no response at all; calls queued on the lost
    # session may have lost their OriginateResponse too. All stay open, none is re-sent.
    assert len(unknown) == 1 and unknown[0] in open_
    assert all(r[5] == "answered" for m, r in rows.items() if m not in open_)

    # A second run does not re-send the open attempts...
    with AmiTestServer() as server2:
        dial(_settings_for(server2, dial_settings), via="ami", now=NOW, cps=100)
    assert server2.state.originates() == []

    # ...until CDRs with their member key close them (the closed loop through userfield).
    with connect(dial_settings) as con:
        con.execute("create schema if not exists raw")
        con.execute("create table raw.cdr (start timestamp, disposition varchar, "
                    "uniqueid varchar, userfield varchar)")
        for n, member_id in enumerate(open_):
            con.execute("insert into raw.cdr values (?, 'BUSY', ?, ?)",
                        [NOW, f"1700.9{n}", member_id])
    with AmiTestServer() as server3:
        third = dial(_settings_for(server3, dial_settings), via="ami", now=NOW, cps=100)
    assert third.reconciled == len(open_)
    rows = {r[0]: r for r in attempts(dial_settings)}
    assert [rows[m][5] for m in open_] == ["busy"] * len(open_)
    assert rows[open_[0]][4] == "1700.90"
    assert server3.state.originates() == []  # retry gap not passed: still nobody re-dialed


def test_server_gone_after_crash_then_resume_without_duplicates(dial_settings):
    for i in range(6):
        add_member(dial_settings, f"R{i}", f"+861370000{i:03d}1")
    state = AmiServerState(drop_on_originate=4, refuse_after_drop=True)
    with AmiTestServer(state) as server:
        with pytest.raises(CcdwError, match="unreachable"):
            dial(_settings_for(server, dial_settings), via="ami", now=NOW, cps=100,
                 max_reconnects=1, backoff_initial_s=0.01)
    first = {o.get("ActionID") for o in state.originates()}
    assert len(first) == 4
    with AmiTestServer() as server2:
        dial(_settings_for(server2, dial_settings), via="ami", now=NOW, cps=100)
    second = [o.get("ActionID") for o in server2.state.originates()]
    assert len(second) == 2 and not (set(second) & first)
    sent_members = Counter(r[0] for r in attempts(dial_settings))
    assert set(sent_members.values()) == {1} and len(sent_members) == 6


def test_rate_and_concurrency_limits_as_the_server_sees_them(dial_settings):
    for i in range(8):
        add_member(dial_settings, f"L{i}", f"+861360000{i:03d}1")
    state = AmiServerState(event_delay=0.15)
    with AmiTestServer(state) as server:
        dial(_settings_for(server, dial_settings), via="ami", now=NOW, cps=20,
             max_concurrent=2)
    originates = state.originates()
    assert len(originates) == 8
    assert state.max_inflight <= 2  # never more than 2 calls waiting for their outcome
    stamps = [o.at for o in originates]
    assert stamps == sorted(stamps)
    assert all(r[5] == "answered" for r in attempts(dial_settings))


def test_rate_limit_alone_spaces_originates(dial_settings):
    for i in range(8):
        add_member(dial_settings, f"Q{i}", f"+861350000{i:03d}1")
    state = AmiServerState(event_delay=0.0)  # outcomes at once: only the rate limit can space calls
    with AmiTestServer(state) as server:
        dial(_settings_for(server, dial_settings), via="ami", now=NOW, cps=5, max_concurrent=8)
    stamps = [o.at for o in state.originates()]
    assert len(stamps) == 8
    # 5 calls/s → 8 calls span at least 7 x 200 ms when sent (unlimited, this client needs
    # ~0.3 s for 8 calls on its own, so the limit is what is measured). Receive stamps of
    # two neighbours can bunch up on a loaded machine (one delayed, the next not), so check the
    # whole span, which jitter can shorten only by the first call's delay; allow 30 % for it.
    assert stamps[-1] - stamps[0] >= 0.7 * 7 * 0.2


def test_event_before_response_and_error_responses(dial_settings):
    add_member(dial_settings, "E1", PHONES["M2"])  # busy, event arrives first
    add_member(dial_settings, "E2", "+8613800000009")  # refused by the server
    state = AmiServerState(event_first=True,
                           reject_channels=("PJSIP/+8613800000009@trunk",))
    with AmiTestServer(state) as server:
        summary = dial(_settings_for(server, dial_settings), via="ami", now=NOW, cps=100,
                       drain_timeout_s=1)
    rows = {r[0]: r for r in attempts(dial_settings)}
    assert rows["E1"][2:6] == ("Success", 5, rows["E1"][4], "busy")
    assert rows["E2"][2] == "Error" and rows["E2"][5] == "failed"
    assert summary.final == {"busy": 1, "failed": 1} and summary.open_attempts == 0


def test_no_manager_listening_is_a_clear_error_and_records_nothing(dial_settings):
    import socket

    add_member(dial_settings, "U1", PHONES["M1"])
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CcdwError, match="unreachable after 2 tries"):
        dial(dial_settings.model_copy(update={"ami_port": port}), via="ami", now=NOW,
             max_reconnects=1, backoff_initial_s=0.01)
    assert attempts(dial_settings) == []
