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


def _fmt(ts: float | None) -> pd.Timestamp | None:
    return None if ts is None else pd.Timestamp(int(ts), unit="s")


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
    n = len(created)
    tickets: list[dict[str, object]] = []
    events: list[tuple[str, pd.Timestamp, str, str, str, str]] = []
    snap1: list[dict[str, object]] = []
    cut1 = end_ts - 86400
    for k, i in enumerate(order):
        tid = f"TK{k + 1:08d}"
        q = qmap[str(qnames[i])]
        line = q.business_line
        cats = ["consultation", "complaint", "suggestion", "claim_report", "fault_report",
                "service_request", "identity_check"]
        p = np.array([0.38, 0.12, 0.03, 0.15 if line in ("pnc", "health") else 0.02,
                      0.1 if line == "bank" else 0.04, 0.2, 0.04])
        cat = cats[int(rng.choice(7, p=p / p.sum()))]
        dept = DEPARTMENTS[line] if cat != "complaint" else "投诉处理部"
        prio = "urgent" if cat == "claim_report" and rng.random() < 0.2 else str(
            rng.choice(["low", "normal", "high"], p=[0.2, 0.65, 0.15]))
        t = int(created[i])
        actor = str(agent[i]) or "system"
        life: list[tuple[int, str, str, str, str]] = [(t, "created", "", dept, actor)]
        fcr = cat == "consultation" and channel[i] == "phone" and rng.random() < 0.7
        if fcr:
            life.append((t + 60, "resolved", dept, dept, actor))
            life.append((t + 120, "closed", dept, dept, "system"))
        else:
            t += int(rng.integers(120, 4 * 3600))
            life.append((t, "assigned", "客服部", dept, "dispatcher"))
            cur = dept
            if rng.random() < 0.15:
                t += int(rng.integers(1800, 86400))
                new = str(rng.choice(list(DEPARTMENTS.values())))
                life.append((t, "transferred", cur, new, "dispatcher"))
                cur = new
            if cat == "complaint" and rng.random() < 0.4 or rng.random() < 0.04:
                t += int(rng.integers(1800, 86400))
                life.append((t, "escalated", cur, "客户服务中心主管", "supervisor"))
            if rng.random() < 0.3:
                life.append((t + int(rng.integers(600, 7200)), "commented", cur, cur, "agent"))
            t += int(rng.lognormal(np.log(20 * 3600), 1.0))
            life.append((t, "resolved", cur, cur, "agent"))
            t += int(rng.integers(3600, 3 * 86400))
            life.append((t, "closed", cur, cur, "system"))
            if rng.random() < 0.05:
                t += int(rng.integers(3600, 5 * 86400))
                life.append((t, "reopened", cur, cur, "customer"))
                t += int(rng.lognormal(np.log(10 * 3600), 0.8))
                life.append((t, "resolved", cur, cur, "agent"))
                t += int(rng.integers(3600, 2 * 86400))
                life.append((t, "closed", cur, cur, "system"))
        life.sort(key=lambda x: x[0])
        base = {
            "ticket_id": tid,
            "created_at": _fmt(created[i]),
            "channel": str(channel[i]),
            "customer_id": str(customer[i]) or None,
            "caller_number": str(caller_number[i]) or None,
            "call_uniqueid": str(call_uid[i]) or None,
            "category": cat,
            "subcategory": SUBCATEGORY[cat],
            "priority": prio,
            "center_id": q.center_id,
            "agent_id": str(agent[i]) or None,
            "department": dept,
            "summary": str(rng.choice(SUMMARIES[cat])),
        }
        for cut, sink in ((cut1, snap1), (end_ts, tickets)):
            seen = [e for e in life if e[0] < cut]
            if not seen:
                continue
            sink.append(_state(base, seen, fcr, rng))
        for e in life:
            if e[0] < end_ts:
                events.append((tid, _fmt(e[0]), e[1], e[2] or None, e[3] or None, e[4]))  # type: ignore[arg-type]
    events_df = pd.DataFrame(events, columns=["ticket_id", "event_at", "event", "from_department",
                                              "to_department", "actor"])
    events_df = events_df.drop_duplicates(["ticket_id", "event_at", "event"], keep="first")
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
    return Tickets(pd.DataFrame(snap1), pd.DataFrame(tickets), events_df, callbacks)


def _state(base: dict[str, object], seen: list[tuple[int, str, str, str, str]], fcr: bool,
           rng: np.random.Generator) -> dict[str, object]:
    last = seen[-1]
    status = {"created": "open", "assigned": "assigned", "transferred": "in_progress",
              "escalated": "in_progress", "commented": "in_progress", "resolved": "resolved",
              "closed": "closed", "reopened": "reopened"}[last[1]]
    resolved = [e[0] for e in seen if e[1] == "resolved"]
    closed = [e[0] for e in seen if e[1] == "closed"]
    row = dict(base)
    row.update(
        {
            "status": status,
            "department": last[3] or base["department"],
            "resolved_at": _fmt(resolved[-1]) if resolved and status in ("resolved", "closed") else None,
            "closed_at": _fmt(closed[-1]) if closed and status == "closed" else None,
            "first_contact_resolved": (1 if fcr else 0) if status in ("resolved", "closed") else None,
            "satisfaction": int(rng.integers(1, 6)) if status == "closed" and rng.random() < 0.7 else None,
            "updated_at": _fmt(last[0]),
        }
    )
    return row
