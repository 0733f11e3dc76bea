"""Service tickets with lifecycles, their events, and the website's callback requests.

Tickets come from answered calls (``call_uniqueid`` = the caller channel's uniqueid) and from
other channels. Each ticket's lifecycle (created → assigned → [transferred] → [escalated] →
resolved → closed → [reopened → resolved → closed]) is cut at the end of the data; the tickets
feed is delivered twice: a snapshot as of the day before the last day, then a final snapshot
(later ``updated_at``), so latest-wins and history both have something to do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ccdw.generate.org import QueueSpec
from ccdw.generate.telephony import Callers

DEPARTMENTS = {
    "life": "寿险服务部", "pnc": "理赔部", "health": "健康险服务部", "bank": "银行卡中心", "general": "客服部",
}
SUMMARIES = {
    "consultation": ["咨询保单续费事宜", "咨询账户余额及明细", "询问理财产品收益", "咨询信用卡额度调整"],
    "complaint": ["投诉扣款未通知", "投诉客服态度不好", "投诉理赔进度太慢", "投诉短信骚扰"],
    "suggestion": ["建议增加微信办理渠道", "建议延长服务时间"],
    "claim_report": ["车辆出险报案", "住院医疗费用报销申请", "家财险报案：水管爆裂"],
    "fault_report": ["手机银行无法登录", "ATM吞卡", "网银转账失败"],
    "service_request": ["申请修改联系电话", "申请补发保单", "申请挂失银行卡", "申请变更受益人"],
    "identity_check": ["身份核验：更换手机号", "身份核验：大额转账确认"],
}
SUBCATEGORY = {
    "consultation": "general", "complaint": "service", "suggestion": "channel",
    "claim_report": "new_claim", "fault_report": "digital", "service_request": "change",
    "identity_check": "kyc",
}


@dataclass
class Tickets:
    snapshot1: pd.DataFrame
    snapshot2: pd.DataFrame
    events: pd.DataFrame
    callbacks: pd.DataFrame


def build_tickets(
    rng: np.random.Generator, entries: pd.DataFrame, callers: Callers, queues: list[QueueSpec],
    customers: np.ndarray, tz_offset_s: int, start_ts: int, end_ts: int,
) -> Tickets:
    """``entries`` are the simulated queue entries (epochs); times here are naive local."""
    qmap = {q.name: q for q in queues}
    answered = entries[(entries["outcome"] == "answered")]
    # A transferred call's ticket is opened by the last agent (the later entry).
    answered = answered.drop_duplicates("callid", keep="last")
    pick = answered[rng.random(len(answered)) < 0.25]
    n_phone = len(pick)
    n_other = max(5, int(n_phone * 0.3))
    created = np.concatenate([pick["end_epoch"].to_numpy() + tz_offset_s,
                              rng.integers(start_ts, end_ts, n_other)])
    channel = np.concatenate([np.full(n_phone, "phone"),
                              rng.choice(np.array(["web", "email", "sms", "wechat", "fax", "walk_in"]), n_other,
                                         p=[0.3, 0.2, 0.1, 0.3, 0.02, 0.08])])
    caller_idx = pick["caller"].to_numpy()
    other_cust = customers[rng.integers(0, len(customers), n_other)]
    customer = np.concatenate([callers.customer_id[caller_idx], other_cust])
    caller_number = np.concatenate([callers.src[caller_idx], np.full(n_other, "")])
    call_uid = np.concatenate([pick["callid"].to_numpy(), np.full(n_other, "")])
    qnames = np.concatenate([pick["queue"].to_numpy(), rng.choice(np.array([q.name for q in queues]), n_other)])
    agent = np.concatenate([pick["agent_id"].to_numpy(), np.full(n_other, "")])
    order = np.argsort(created, kind="stable")
    created, channel, customer = created[order], channel[order], customer[order]
    caller_number, call_uid, qnames, agent = (caller_number[order], call_uid[order], qnames[order],
                                              agent[order])
    n = len(created)
    tid = np.char.add("TK", np.char.zfill(np.arange(1, n + 1).astype(str), 8))
    line = np.array([qmap[str(x)].business_line for x in qnames])
    center = np.array([qmap[str(x)].center_id for x in qnames])
    cats = np.array(list(SUBCATEGORY))
    cat = np.empty(n, dtype=object)
    for ln in np.unique(line):
        sel = line == ln
        p = np.array([0.38, 0.12, 0.03, 0.15 if ln in ("pnc", "health") else 0.02,
                      0.1 if ln == "bank" else 0.04, 0.2, 0.04])
        cat[sel] = cats[rng.choice(len(cats), int(sel.sum()), p=p / p.sum())]
    dept = np.where(cat == "complaint", "投诉处理部", np.array([DEPARTMENTS[x] for x in line]))
    prio = rng.choice(np.array(["low", "normal", "high"]), n, p=[0.2, 0.65, 0.15])
    prio = np.where((cat == "claim_report") & (rng.random(n) < 0.2), "urgent", prio)
    actor0 = np.where(agent == "", "system", agent)
    fcr = (cat == "consultation") & (channel == "phone") & (rng.random(n) < 0.7)
    t0 = created.astype(np.int64)
    t1 = t0 + rng.integers(120, 4 * 3600, n)
    moved = rng.random(n) < 0.15
    t2 = t1 + np.where(moved, rng.integers(1800, 86400, n), 0)
    new_dept = np.array(list(DEPARTMENTS.values()))[rng.integers(0, len(DEPARTMENTS), n)]
    cur = np.where(moved, new_dept, dept)
    esc = ((cat == "complaint") & (rng.random(n) < 0.4)) | (rng.random(n) < 0.04)
    t3 = t2 + np.where(esc, rng.integers(1800, 86400, n), 0)
    t4 = t3 + rng.lognormal(np.log(20 * 3600), 1.0, n).astype(np.int64) + 60
    commented = rng.random(n) < 0.3
    tc = t3 + np.minimum(rng.integers(600, 7200, n), (t4 - t3) // 2)
    t5 = t4 + rng.integers(3600, 3 * 86400, n)
    reopen = rng.random(n) < 0.05
    t6 = t5 + rng.integers(3600, 5 * 86400, n)
    t7 = t6 + rng.lognormal(np.log(10 * 3600), 0.8, n).astype(np.int64) + 60
    t8 = t7 + rng.integers(3600, 2 * 86400, n)
    nf = ~fcr
    idx = np.arange(n)
    parts = [
        (idx, t0, "created", np.full(n, ""), dept, actor0),
        (idx[fcr], t0[fcr] + 60, "resolved", dept[fcr], dept[fcr], actor0[fcr]),
        (idx[fcr], t0[fcr] + 120, "closed", dept[fcr], dept[fcr], np.full(int(fcr.sum()), "system")),
        (idx[nf], t1[nf], "assigned", np.full(int(nf.sum()), "客服部"), dept[nf], np.full(int(nf.sum()), "dispatcher")),
    ]
    m = nf & moved
    parts.append((idx[m], t2[m], "transferred", dept[m], cur[m], np.full(int(m.sum()), "dispatcher")))
    m = nf & esc
    parts.append((idx[m], t3[m], "escalated", cur[m], np.full(int(m.sum()), "客户服务中心主管"), np.full(int(m.sum()), "supervisor")))
    m = nf & commented
    parts.append((idx[m], tc[m], "commented", cur[m], cur[m], np.full(int(m.sum()), "agent")))
    parts.append((idx[nf], t4[nf], "resolved", cur[nf], cur[nf], np.full(int(nf.sum()), "agent")))
    parts.append((idx[nf], t5[nf], "closed", cur[nf], cur[nf], np.full(int(nf.sum()), "system")))
    m = nf & reopen
    k = int(m.sum())
    parts.append((idx[m], t6[m], "reopened", cur[m], cur[m], np.full(k, "customer")))
    parts.append((idx[m], t7[m], "resolved", cur[m], cur[m], np.full(k, "agent")))
    parts.append((idx[m], t8[m], "closed", cur[m], cur[m], np.full(k, "system")))
    ev = pd.DataFrame(
        {
            "i": np.concatenate([p[0] for p in parts]),
            "t": np.concatenate([p[1] for p in parts]),
            "event": np.concatenate([np.full(len(p[0]), p[2]) for p in parts]),
            "from_department": np.concatenate([np.asarray(p[3], dtype=object) for p in parts]),
            "to_department": np.concatenate([np.asarray(p[4], dtype=object) for p in parts]),
            "actor": np.concatenate([np.asarray(p[5], dtype=object) for p in parts]),
        }
    )
    ev = ev.sort_values(["i", "t"], kind="stable").reset_index(drop=True)
    satisfaction = np.where(rng.random(n) < 0.7, rng.integers(1, 6, n), -1)
    base = pd.DataFrame(
        {
            "ticket_id": tid,
            "created_at": pd.to_datetime(t0, unit="s"),
            "channel": channel,
            "customer_id": np.where(customer == "", None, customer),
            "caller_number": np.where(caller_number == "", None, caller_number),
            "call_uniqueid": np.where(call_uid == "", None, call_uid),
            "category": cat,
            "subcategory": [SUBCATEGORY[c] for c in cat],
            "priority": prio,
            "center_id": center,
            "agent_id": np.where(agent == "", None, agent),
            "department": dept,
            "summary": np.array([SUMMARIES[c][j % len(SUMMARIES[c])] for c, j in
                                 zip(cat, rng.integers(0, 12, n), strict=True)]),
        }
    )
    snap1 = _snapshot(base, ev, end_ts - 86400, fcr, satisfaction)
    snap2 = _snapshot(base, ev, end_ts, fcr, satisfaction)
    ev = ev[ev["t"] < end_ts]
    events_df = pd.DataFrame(
        {
            "ticket_id": tid[ev["i"].to_numpy()],
            "event_at": pd.to_datetime(ev["t"].to_numpy(), unit="s"),
            "event": ev["event"].to_numpy(),
            "from_department": ev["from_department"].replace("", None).to_numpy(),
            "to_department": ev["to_department"].to_numpy(),
            "actor": ev["actor"].to_numpy(),
        }
    ).drop_duplicates(["ticket_id", "event_at", "event"], keep="first")
    m = max(5, n // 8)
    cb_ts = np.sort(rng.integers(start_ts, end_ts, m))
    who = rng.integers(0, len(callers.src), m)
    pref_from = (cb_ts // 3600 + rng.integers(1, 30, m)) * 3600
    callbacks = pd.DataFrame(
        {
            "request_id": [f"WB{i + 1:07d}" for i in range(m)],
            "requested_at": pd.to_datetime(cb_ts, unit="s"),
            "phone": np.where(rng.random(m) < 0.5, callers.national[who], callers.src[who]),
            "customer_id": np.where(callers.customer_id[who] == "", None, callers.customer_id[who]),
            "topic": rng.choice(np.array(["保单咨询", "理财咨询", "信用卡", "理赔进度", "投诉"]), m),
            "preferred_from": pd.to_datetime(pref_from, unit="s"),
            "preferred_to": pd.to_datetime(pref_from + 7200, unit="s"),
        }
    )
    return Tickets(snap1, snap2, events_df, callbacks)


STATUS = {"created": "open", "assigned": "assigned", "transferred": "in_progress",
          "escalated": "in_progress", "commented": "in_progress", "resolved": "resolved",
          "closed": "closed", "reopened": "reopened"}


def _snapshot(base: pd.DataFrame, ev: pd.DataFrame, cut: int, fcr: np.ndarray,
              satisfaction: np.ndarray) -> pd.DataFrame:
    """Each ticket's state after its events before ``cut`` (tickets not yet created: absent)."""
    seen = ev[ev["t"] < cut]
    last = seen.groupby("i", sort=True).last()
    i = last.index.to_numpy()
    status = last["event"].map(STATUS).to_numpy()
    resolved = seen[seen["event"] == "resolved"].groupby("i")["t"].max().reindex(i).to_numpy()
    closed = seen[seen["event"] == "closed"].groupby("i")["t"].max().reindex(i).to_numpy()
    done = np.isin(status, ["resolved", "closed"])
    is_closed = status == "closed"
    out = base.iloc[i].copy()
    out["status"] = status
    out["department"] = last["to_department"].to_numpy()
    out["resolved_at"] = pd.to_datetime(np.where(done, resolved, np.nan), unit="s")
    out["closed_at"] = pd.to_datetime(np.where(is_closed, closed, np.nan), unit="s")
    out["first_contact_resolved"] = pd.array(np.where(done, fcr[i].astype(int), -1), dtype="Int64")
    out.loc[~done, "first_contact_resolved"] = pd.NA
    sat = satisfaction[i]
    out["satisfaction"] = pd.array(np.where(is_closed & (sat > 0), sat, -1), dtype="Int64")
    out.loc[~(is_closed & (sat > 0)), "satisfaction"] = pd.NA
    out["updated_at"] = pd.to_datetime(last["t"].to_numpy(), unit="s")
    return out.reset_index(drop=True)
