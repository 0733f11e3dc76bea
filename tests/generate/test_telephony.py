"""The telephony feeds: Asterisk's formats, queue_log ↔ CDR agreement, KPI truth."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .helpers import (
    entries_from_queue_log,
    master_cdrs,
    queue_log,
    read_text,
    split_cdr_line,
)

NUMERIC = {12, 13, 20}  # duration, billsec, sequence (0-based)


def test_cdr_files_have_asterisk_quoting_and_column_counts(tiny_data: Path) -> None:
    cdr_dir = tiny_data / "cdr"
    seen_unquoted_answer = 0
    for path in sorted(cdr_dir.glob("*.csv")):
        expected = 18 if path.name.startswith("branch-") else 21
        for line in read_text(path).splitlines():
            fields = split_cdr_line(line)
            assert len(fields) == expected, (path.name, line)
            for i, (value, quoted) in enumerate(fields):
                if i in NUMERIC:
                    assert not quoted and value.isdigit(), (path.name, i, line)
                elif i == 10:
                    # answer: quoted timestamp, or the empty *unquoted* field when unanswered
                    if value == "":
                        assert not quoted, line
                        assert fields[14][0] != "ANSWERED", line
                        seen_unquoted_answer += 1
                    else:
                        assert quoted
                        datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
                else:
                    assert quoted, (path.name, i, line)
            start = datetime.strptime(fields[9][0], "%Y-%m-%d %H:%M:%S")
            end = datetime.strptime(fields[11][0], "%Y-%m-%d %H:%M:%S")
            assert int(fields[12][0]) == (end - start).total_seconds()
            if fields[10][0]:
                answer = datetime.strptime(fields[10][0], "%Y-%m-%d %H:%M:%S")
                assert int(fields[13][0]) == (end - answer).total_seconds()
            else:
                assert fields[13][0] == "0"
    assert seen_unquoted_answer > 0
    assert any('""' in line for line in read_text(next(cdr_dir.glob("Master-*.csv"))).splitlines())


def test_per_account_copies_repeat_master_records(tiny_data: Path) -> None:
    master_lines = set()
    for path in (tiny_data / "cdr").glob("Master-*.csv"):
        master_lines.update(read_text(path).splitlines())
    copies = [p for p in (tiny_data / "cdr").glob("*.csv")
              if not p.name.startswith(("Master-", "branch-"))]
    assert copies, "no per-account copy was written"
    for path in copies:
        lines = read_text(path).splitlines()
        assert lines
        assert all(line in master_lines for line in lines)
        assert all(split_cdr_line(line)[0][0] == path.stem for line in lines)


def test_cdr_identity_is_unique(tiny_data: Path) -> None:
    main = master_cdrs(tiny_data)
    assert not main.duplicated(["uniqueid", "sequence"]).any()
    branch = master_cdrs(tiny_data, "branch-*.csv")
    assert branch.shape[1] == 19  # 18 columns + file
    assert not branch["uniqueid"].duplicated().any()


def test_queue_log_fields_follow_asterisk(tiny_data: Path) -> None:
    ql = queue_log(tiny_data)
    n_data = ql["data"].map(len)
    ev = ql["event"]
    expect = {"ENTERQUEUE": 3, "CONNECT": 3, "COMPLETECALLER": 3, "COMPLETEAGENT": 3,
              "ABANDON": 3, "EXITWITHTIMEOUT": 3, "EXITEMPTY": 3, "EXITWITHKEY": 4,
              "RINGNOANSWER": 1, "RINGCANCELED": 1, "BLINDTRANSFER": 5, "ATTENDEDTRANSFER": 5,
              "PAUSE": 1, "UNPAUSE": 1, "ADDMEMBER": 1, "REMOVEMEMBER": 1, "AGENTLOGIN": 1,
              "AGENTLOGOFF": 2}
    assert set(ev) <= set(expect), set(ev) - set(expect)
    for event in ("ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON",
                  "RINGNOANSWER", "PAUSE", "UNPAUSE", "BLINDTRANSFER", "EXITEMPTY", "AGENTLOGIN",
                  "AGENTLOGOFF", "ADDMEMBER", "REMOVEMEMBER"):
        assert (ev == event).any(), f"no {event} in the tiny data"
    for event, k in expect.items():
        sel = ev == event
        if sel.any():
            assert (n_data[sel] == k).all(), event
    # RINGNOANSWER in milliseconds (the ring timeout is 15 s), CONNECT ringtime in seconds
    rna = ql.loc[ev == "RINGNOANSWER", "data"].map(lambda d: int(d[0]))
    assert rna.between(15_000, 15_999).all()
    connect = ql.loc[ev == "CONNECT", "data"]
    assert connect.map(lambda d: 0 <= int(d[2]) <= 15).all()
    assert set(ql.loc[ev == "PAUSE", "data"].map(lambda d: d[0])) >= {"wrapup", "lunch"}
    # AGENTLOGOFF: channel|logintime, logintime = seconds since the AGENTLOGIN of that channel
    login = ql[ev == "AGENTLOGIN"].set_index("callid")
    for row in ql[ev == "AGENTLOGOFF"].itertuples():
        assert row.data[0] == login.loc[row.callid, "data"][0]
        assert int(row.data[1]) == row.epoch - login.loc[row.callid, "epoch"]
    # Events without data still end in "|"
    raw = read_text(sorted((tiny_data / "queue_log").glob("*.log"))[0]).splitlines()
    assert any(line.endswith("|ADDMEMBER|") or line.endswith("|UNPAUSE|") for line in raw)
    # Member events carry NONE as callid, call events the caller's uniqueid
    assert (ql.loc[ev.isin(["ADDMEMBER", "PAUSE"]), "callid"] == "NONE").all()
    assert (ql.loc[ev == "ENTERQUEUE", "agent"] == "NONE").all()


def test_queue_log_agrees_with_cdrs(tiny_data: Path) -> None:
    ql = queue_log(tiny_data)
    cdr = master_cdrs(tiny_data)
    tz = ZoneInfo("Asia/Shanghai")
    entries = entries_from_queue_log(ql)
    uids = set(cdr["uniqueid"])
    assert set(entries["callid"]) <= uids
    # The caller's CDRs share the linkedid = the callid (IVR leg + queue legs).
    by_uid = cdr.groupby("uniqueid")
    for callid in entries["callid"].head(200):
        legs = by_uid.get_group(callid)
        assert (legs["linkedid"] == callid).all()
        assert (legs["lastapp"] == "BackGround").any()
    # Every answered entry has an ANSWERED Queue CDR whose answer = CONNECT time and whose
    # billsec = the COMPLETE*/TRANSFER calltime.
    connect = ql[ql["event"] == "CONNECT"]
    queue_legs = cdr[(cdr["lastapp"] == "Queue") & (cdr["dstchannel"] != "") & (cdr["disposition"] == "ANSWERED")]
    legs = queue_legs.set_index(["uniqueid", "answer"])
    answered = entries[entries["outcome"] == "answered"]
    assert len(answered) == len(connect)
    for row in connect.head(300).itertuples():
        local = datetime.fromtimestamp(row.epoch, tz).strftime("%Y-%m-%d %H:%M:%S")
        leg = legs.loc[(row.callid, local)]
        leg = leg.iloc[0] if isinstance(leg, pd.DataFrame) else leg
        e = answered[(answered["callid"] == row.callid) & (answered["queue"] == row.queuename)].iloc[0]
        assert int(leg["billsec"]) == e["talk"]
    # The CONNECT's bridged uniqueid is the agent channel's: its epoch is the ring start.
    bridged = connect["data"].map(lambda d: d[1])
    ring = connect["data"].map(lambda d: int(d[2]))
    assert (bridged.str.split(".").str[0].astype(int) == connect["epoch"] - ring).all()
    # Ring-no-answer legs: NO ANSWER CDRs to the agent, with the unquoted empty answer.
    n_rna = int((ql["event"] == "RINGNOANSWER").sum())
    n_cancel = int((ql["event"] == "RINGCANCELED").sum())
    no_answer = cdr[(cdr["lastapp"] == "Queue") & (cdr["disposition"] == "NO ANSWER")]
    assert len(no_answer) == n_rna + n_cancel
    assert (no_answer["answer"] == "").all()


def test_transfers_reenter_with_same_callid(tiny_data: Path) -> None:
    ql = queue_log(tiny_data)
    blind = ql[ql["event"] == "BLINDTRANSFER"]
    assert len(blind) > 0
    enters = ql[ql["event"] == "ENTERQUEUE"]
    for row in blind.itertuples():
        again = enters[(enters["callid"] == row.callid) & (enters["epoch"] == row.epoch)]
        assert len(again) == 1 and again.iloc[0]["queuename"] != row.queuename


def test_truth_matches_queue_log(tiny_data: Path) -> None:
    """Recompute the contract KPIs from the log alone: the truth must equal them."""
    ql = queue_log(tiny_data)
    truth = pd.read_csv(tiny_data / "truth" / "queue_daily.csv")
    queues = pd.read_csv(tiny_data / "queues" / "queues.csv")
    sl = dict(zip(queues["queue"], queues["service_level_seconds"], strict=True))
    e = entries_from_queue_log(ql)
    assert e["outcome"].notna().all()
    tz = ZoneInfo("Asia/Shanghai")
    e["date"] = pd.to_datetime(e["enter"], unit="s", utc=True).dt.tz_convert(tz).dt.strftime("%Y-%m-%d")
    rows = []
    for (q, d), g in e.groupby(["queue", "date"]):
        ans = g[g["outcome"] == "answered"]
        short = int(((g["outcome"] == "abandoned") & (g["wait"] < 5)).sum())
        within = int((ans["wait"] <= sl[q]).sum())
        den = len(g) - short
        rows.append({
            "queue": q, "date": d, "offered": len(g), "answered": len(ans),
            "abandoned": int((g["outcome"] == "abandoned").sum()), "short_abandoned": short,
            "timeout": int((g["outcome"] == "timeout").sum()),
            "exit_empty": int((g["outcome"] == "exit_empty").sum()),
            "exit_key": int((g["outcome"] == "exit_key").sum()),
            "answered_within_sl": within,
            "service_level": within / den if den else np.nan,
            "asa_seconds": ans["wait"].mean(), "aht_seconds": ans["talk"].astype(float).mean(),
            "max_wait_seconds": int(g["wait"].max()),
        })
    mine = pd.DataFrame(rows).sort_values(["queue", "date"]).reset_index(drop=True)
    truth = truth.sort_values(["queue", "date"]).reset_index(drop=True)
    assert len(mine) == len(truth)
    for col in ("queue", "date", "offered", "answered", "abandoned", "short_abandoned", "timeout",
                "exit_empty", "exit_key", "answered_within_sl", "max_wait_seconds"):
        assert (mine[col].astype(str) == truth[col].astype(str)).all(), col
    for col in ("service_level", "asa_seconds", "aht_seconds"):
        assert np.allclose(mine[col], truth[col], atol=1e-5, equal_nan=True), col
    # Internal consistency: every entry ends in exactly one outcome.
    parts = truth[["answered", "abandoned", "timeout", "exit_empty", "exit_key", "withdrawn"]].sum(axis=1)
    assert (parts == truth["offered"]).all()
    assert np.allclose(truth["asterisk_service_level"], truth["answered_within_sl"] / truth["answered"])
    assert np.allclose(truth["abandon_rate"], truth["abandoned"] / truth["offered"])


def test_agent_truth_matches_queue_log(tiny_data: Path) -> None:
    ql = queue_log(tiny_data)
    agents = pd.read_csv(tiny_data / "agents" / "agents.csv", encoding="utf-8-sig")
    member_to_id = dict(zip(agents["queue_member"], agents["agent_id"], strict=True))
    truth = pd.read_csv(tiny_data / "truth" / "agent_daily.csv")
    e = entries_from_queue_log(ql)
    tz = ZoneInfo("Asia/Shanghai")
    e["date"] = pd.to_datetime(e["enter"], unit="s", utc=True).dt.tz_convert(tz).dt.strftime("%Y-%m-%d")
    ans = e[e["outcome"] == "answered"].copy()
    ans["agent_id"] = ans["agent"].map(member_to_id)
    got = ans.groupby(["agent_id", "date"]).agg(calls=("talk", "size"), talk=("talk", "sum"),
                                                xfers=("transferred", "sum"))
    t = truth.set_index(["agent_id", "date"])
    joined = got.join(t, how="left")
    assert (joined["calls"] == joined["calls_handled"]).all()
    assert (joined["talk"] == joined["talk_seconds"]).all()
    assert (joined["xfers"] == joined["transfers"]).all()
    assert int(truth["ring_no_answer"].sum()) == int((ql["event"] == "RINGNOANSWER").sum())
    assert int(truth["calls_handled"].sum()) == len(ans)


def test_some_calls_span_midnight(tiny_data: Path) -> None:
    ql = queue_log(tiny_data)
    e = entries_from_queue_log(ql)
    tz = ZoneInfo("Asia/Shanghai")
    ends = ql[ql["event"].isin(["COMPLETECALLER", "COMPLETEAGENT"])][["callid", "queuename", "epoch"]]
    m = e.merge(ends, left_on=["callid", "queue"], right_on=["callid", "queuename"])
    d0 = pd.to_datetime(m["enter"], unit="s", utc=True).dt.tz_convert(tz).dt.date
    d1 = pd.to_datetime(m["epoch"], unit="s", utc=True).dt.tz_convert(tz).dt.date
    assert (d1 > d0).any()
