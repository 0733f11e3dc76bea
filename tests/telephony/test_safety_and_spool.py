"""Injection attempts, call-file atomicity and read-back, CSV export, dry-run, window and cap."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest

from ccdw.db import connect
from telephony_adapter import dial
from telephony_adapter.ami import encode_action
from telephony_adapter.callfile import Spool
from telephony_adapter.csv_export import VICIDIAL_COLUMNS
from telephony_adapter.dialer import in_calling_window
from telephony_adapter.safety import (
    UnsafeValueError,
    check_caller_id,
    check_channel_template,
    check_phone,
    check_token,
    check_variable,
)
from telephony_adapter.store import DialMember
from tests.telephony.ami_server import AmiTestServer
from tests.telephony.helpers import NOW, add_member, attempts


@pytest.mark.parametrize(
    "value",
    ["+8613800000001\r\nAction: Command", "138|0000", "138,0000", "138;0000", "138 0000",
     "+86-138", "", "abc", "++861380000"],
)
def test_phone_numbers_with_anything_but_digits_and_plus_are_refused(value):
    with pytest.raises(UnsafeValueError):
        check_phone(value)


def test_headers_variables_and_names_are_checked():
    with pytest.raises(UnsafeValueError):
        encode_action([("Action", "Originate\r\nAction: Command")])
    with pytest.raises(UnsafeValueError):
        check_variable("SHELL", "x")  # only the adapter's own variables
    with pytest.raises(UnsafeValueError):
        check_variable("CCDW_MEMBER", "M1\nSetvar: X=1")
    with pytest.raises(UnsafeValueError):
        check_variable("CDR(userfield)", "a,b")
    with pytest.raises(UnsafeValueError):
        check_token("context", "from-internal;x")
    with pytest.raises(UnsafeValueError):
        check_caller_id('"Evil\r\nAction: Command" <123>')
    with pytest.raises(UnsafeValueError):
        check_channel_template("PJSIP/{number}@trunk&PJSIP/666@trunk")
    assert check_variable("CDR(userfield)", "M-abc_1") == "CDR(userfield)=M-abc_1"


def test_injected_member_never_reaches_the_server(dial_settings):
    add_member(dial_settings, "OK1", "+8613800000001")
    add_member(dial_settings, "BAD1", "+8613800000001\r\nAction: Command\r\nCommand: core stop now")
    add_member(dial_settings, "BAD2", "+8613800000002", dial_context="default\r\nAction: Logoff")
    add_member(dial_settings, "BAD3", "+8613800000003", caller_id="123|456")
    add_member(dial_settings, "BAD4", "+8613800000004", dial_channel="PJSIP/{number}@t,r")
    dial_settings = dial_settings.model_copy(update={"campaign_max_calls_per_day": 10,
                                                     "campaign_max_calls_per_week": 10})
    with AmiTestServer() as server:
        summary = dial(dial_settings.model_copy(update={"ami_port": server.port}),
                       via="ami", now=NOW, cps=100)
    originates = server.state.originates()
    assert [o.get("ActionID") for o in originates] == ["OK1-1"]
    assert not any((r.get("Action") or "").lower() == "command" for r in server.state.received)
    assert summary.skipped == {"unsafe_value": 4}
    with connect(dial_settings, read_only=True) as con:
        excluded = con.execute(
            "select member_id from ops.campaign_members where exclusion_reason = 'unsafe_value'"
            " order by 1").fetchall()
    assert [m for (m,) in excluded] == ["BAD1", "BAD2", "BAD3", "BAD4"]


def test_call_files_appear_atomically_and_statuses_come_back(dial_settings):
    for i in range(40):
        add_member(dial_settings, f"F{i:02d}", f"+86135000{i:05d}", customer_id=f"CF{i}")
    spool = Spool(dial_settings.asterisk_spool_dir)
    spool.outgoing.mkdir(parents=True)
    seen_partial: list[str] = []
    seen_names: set[str] = set()
    stop = threading.Event()

    def watch() -> None:  # plays Asterisk's pbx_spool: read whatever appears in outgoing/
        while not stop.is_set():
            for path in list(spool.outgoing.iterdir()):
                seen_names.add(path.name)
                try:
                    text = path.read_text()
                except FileNotFoundError:
                    continue
                if not path.name.endswith(".call") or not text.endswith("Archive: yes\n"):
                    seen_partial.append(path.name)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        summary = dial(dial_settings, via="callfile", now=NOW)
        time.sleep(0.05)
    finally:
        stop.set()
        watcher.join()
    assert summary.sent == 40
    assert seen_partial == [] and seen_names  # every file seen was complete
    files = sorted(spool.outgoing.iterdir())
    assert len(files) == 40 and list(spool.tmp.iterdir()) == []
    text = files[0].read_text()
    for line in ("Channel: PJSIP/+8613500000000@trunk", "MaxRetries: 1", "RetryTime: 300",
                 "WaitTime: 30", "Archive: yes", "Setvar: CCDW_MEMBER=F00",
                 "Setvar: CDR(userfield)=F00", "Context: ccdw-outbound", "Extension: s"):
        assert line in text.splitlines()

    # Asterisk archives three of them with a status line.
    spool.done.mkdir()
    for name, status in (("F00", "Completed"), ("F01", "Expired"), ("F02", "Failed")):
        src = spool.outgoing / f"ccdw-{name}-1.call"
        (spool.done / src.name).write_text(src.read_text() + f"Status: {status}\n")
        src.unlink()
    again = dial(dial_settings, via="callfile", now=NOW)
    assert again.sent == 0 and again.reconciled == 3
    rows = {r[0]: r for r in attempts(dial_settings)}
    assert (rows["F00"][5], rows["F01"][5], rows["F02"][5]) == ("answered", "no answer", "failed")
    assert rows["F03"][5] is None and rows["F03"][2] == "queued"


def test_a_crash_between_commit_and_rename_is_finished_not_duplicated(dial_settings):
    add_member(dial_settings, "X1", "+8613500000001")
    spool = Spool(dial_settings.asterisk_spool_dir)
    # Simulate the crash: the attempt was committed, the file never reached outgoing/.
    from telephony_adapter import store

    with connect(dial_settings) as con:
        member = store.due_members(con, NOW)[0]
        store.record_attempt(con, member, via="callfile", now=NOW)
    summary = dial(dial_settings, via="callfile", now=NOW)
    assert summary.redelivered == 1 and summary.sent == 0
    assert [p.name for p in spool.outgoing.iterdir()] == ["ccdw-X1-1.call"]
    assert len(attempts(dial_settings)) == 1


def test_csv_export_vicidial_layout(dial_settings, tmp_path):
    add_member(dial_settings, "V1", "+8613800000001")
    add_member(dial_settings, "V2", "+8613800000002", is_control=True)
    out = tmp_path / "list.csv"
    summary = dial(dial_settings, via="csv", now=NOW, out_path=out)
    lines = out.read_text().splitlines()
    assert lines[0].split(",") == list(VICIDIAL_COLUMNS)
    assert len(lines) == 2 and summary.sent == 1  # the control member is never exported
    row = dict(zip(VICIDIAL_COLUMNS, lines[1].split(","), strict=True))
    assert (row["vendor_lead_code"], row["phone_code"], row["phone_number"]) == (
        "V1", "86", "13800000001")
    with connect(dial_settings, read_only=True) as con:
        assert con.execute("select status from ops.campaign_members where member_id = 'V1'"
                           ).fetchone() == ("queued",)


def test_dry_run_writes_nothing_and_applies_window_and_cap(dial_settings):
    add_member(dial_settings, "W1", "+8613800000001", customer_id="C1")
    add_member(dial_settings, "W2", "+8613800000002", customer_id="C1", campaign_id="other")
    add_member(dial_settings, "W3", "+8613800000003", weekdays="6,7")  # weekends only
    summary = dial(dial_settings, via="dry-run", now=NOW)
    assert summary.sent == 1
    assert summary.skipped == {"frequency_cap": 1, "outside_calling_window": 1}
    assert summary.preview[0]["phone"] == "+86138****0001"
    assert attempts(dial_settings) == []
    late = dial(dial_settings, via="dry-run", now=NOW.replace(hour=21))
    assert late.sent == 0 and late.skipped["outside_calling_window"] == 3


def test_window_is_in_the_customers_local_time():
    member = DialMember("M", "c", None, "+12125550100", 1, None, None, "America/New_York",
                        "09:00", "20:00", "1,2,3,4,5,6,7", 1, 60, None, "PJSIP/{number}@t",
                        "x", "s", None, 0)
    # 10:00 in Shanghai is 21:00 the day before in New York: outside its window.
    assert not in_calling_window(member, NOW, "Asia/Shanghai")
    assert in_calling_window(member, NOW + timedelta(hours=12), "Asia/Shanghai")
    assert isinstance(NOW, datetime)


def test_queue_targets_go_through_the_dialplan():
    from telephony_adapter.callfile import CallFileOptions, render
    from telephony_adapter.dialer import originate_fields

    member = DialMember("M9", "retention", "C9", "+8613800000009", 1, None, None, None,
                        "09:00", "20:00", "1,2,3,4,5,6,7", 1, 60, None,
                        "PJSIP/{number}@trunk", None, None, "retention", 0)
    fields = dict(originate_fields(member, 30))
    assert (fields["Context"], fields["Exten"], fields["Priority"]) == (
        "ccdw-queue", "retention", "1")
    assert "Application" not in fields
    lines = render(member, CallFileOptions()).splitlines()
    assert "Context: ccdw-queue" in lines and "Extension: retention" in lines
