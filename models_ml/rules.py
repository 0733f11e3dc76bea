"""Explainable typology rules over ``marts.fct_transactions``: each returns detections with a
reason a person can read. Candidate selection and baselines run in DuckDB SQL; Python only
groups candidates into episodes and formats the reasons.

A detection's ``strength`` (>= 1) is how far past its thresholds the episode is (the geometric
mean of observed/threshold ratios); the engine turns it into a rule score in 0..1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from models_ml.config import (
    DormantRule,
    LargeOutflowRule,
    PassThroughRule,
    PurchaseBurstRule,
    Rules,
    StructuringRule,
)

TYPOLOGIES: tuple[str, ...] = (
    "large_outflow",
    "purchase_burst",
    "dormant_reactivation",
    "structuring",
    "pass_through",
)
# Transactions the bank books itself: they neither break dormancy nor count as customer behaviour.
SYSTEM_TXN_TYPES: list[str] = ["fee", "interest"]

_VERBS = {
    "withdrawal": "withdrew",
    "transfer_out": "transferred out",
    "purchase": "spent",
    "subscription": "subscribed",
    "redemption": "redeemed",
}


@dataclass
class Detection:
    typology: str
    account_id: str
    customer_id: str | None
    window_start: datetime
    window_end: datetime
    txn_ids: list[str]
    strength: float
    reasons: list[str] = field(default_factory=list)


def cny(amount: float) -> str:
    return f"{amount:,.0f} CNY"


def _strength(*ratios: float) -> float:
    finite = [min(max(r, 1.0), 100.0) for r in ratios if r is not None and not math.isnan(r)]
    if not finite:
        return 1.0
    return float(math.exp(sum(math.log(r) for r in finite) / len(finite)))


def _episodes(frame: pd.DataFrame, key: str, gap: timedelta) -> pd.Series:
    """Episode number per row: a new episode starts when the gap to the previous row of the
    same ``key`` exceeds ``gap``. ``frame`` must be sorted by key, booked_at, txn_id."""
    new_key = frame[key].ne(frame[key].shift())
    new_gap = frame["booked_at"].diff() > gap
    return (new_key | new_gap).cumsum()


# -- large outflow --------------------------------------------------------------------------

LARGE_OUTFLOW_SQL = """
with cand as (
    select txn_id, account_id, customer_id, booked_at, abs_amount, txn_type,
           abs_amount / greatest(coalesce(balance_after, 0) + abs_amount, 1) as balance_share
    from marts.fct_transactions
    where direction = 'out' and abs_amount >= $min_amount and booked_at >= $since
      and not list_contains($excluded, txn_type)
),
hist as (
    select c.txn_id, h.abs_amount,
           h.booked_at >= c.booked_at - to_days(cast($history_days as integer)) as recent
    from cand c
    join marts.fct_transactions h
      on h.customer_id = c.customer_id
     and h.direction = 'out'
     and h.booked_at >= c.booked_at - to_days(cast($max_history_days as integer))
     and h.booked_at < c.booked_at - to_hours(cast($window_hours as integer))
     and not list_contains($excluded, h.txn_type)
),
stats as (
    select txn_id,
           count(*) filter (where recent) as n_hist,
           median(abs_amount) filter (where recent) as med,
           max(abs_amount) as mx
    from hist group by txn_id
),
mad as (
    select h.txn_id, median(abs(h.abs_amount - s.med)) as mad
    from hist h join stats s using (txn_id) where h.recent group by h.txn_id
),
recent_in as (
    -- money that arrived just before: an outflow it funds is pass-through territory, not a drain
    select c.txn_id, coalesce(sum(i.abs_amount), 0) as recent_inflow
    from cand c
    left join marts.fct_transactions i
      on i.account_id = c.account_id and i.direction = 'in'
     and i.booked_at >= c.booked_at - to_hours(cast($recent_inflow_hours as integer))
     and i.booked_at <= c.booked_at and i.txn_id <> c.txn_id
    group by c.txn_id
)
select c.*, s.n_hist, s.med, s.mx, m.mad
from cand c join stats s using (txn_id) join mad m using (txn_id) join recent_in r using (txn_id)
where s.n_hist >= $min_history_txns
  and r.recent_inflow < $max_recent_inflow_share * c.abs_amount
  and c.balance_share >= $min_share_of_balance
  and c.abs_amount >= $min_ratio_to_median * s.med
  and c.abs_amount >= $min_ratio_to_max * s.mx
  and (m.mad = 0 or (c.abs_amount - s.med) / (1.4826 * m.mad) >= $min_robust_z)
order by c.account_id, c.booked_at, c.txn_id
"""


def large_outflow(
    con: duckdb.DuckDBPyConnection, rule: LargeOutflowRule, since: datetime, excluded: list[str]
) -> list[Detection]:
    frame = con.execute(
        LARGE_OUTFLOW_SQL,
        {
            "min_amount": rule.min_amount,
            "since": since,
            "excluded": excluded,
            "history_days": rule.history_days,
            "max_history_days": rule.max_history_days,
            "window_hours": rule.window_hours,
            "min_history_txns": rule.min_history_txns,
            "min_share_of_balance": rule.min_share_of_balance,
            "recent_inflow_hours": rule.recent_inflow_hours,
            "max_recent_inflow_share": rule.max_recent_inflow_share,
            "min_ratio_to_median": rule.min_ratio_to_median,
            "min_ratio_to_max": rule.min_ratio_to_max,
            "min_robust_z": rule.min_robust_z,
        },
    ).df()
    if frame.empty:
        return []
    frame["episode"] = _episodes(frame, "account_id", timedelta(hours=rule.window_hours))
    detections = []
    for _, group in frame.groupby("episode", sort=True):
        reasons = []
        ratios = []
        for row in group.itertuples(index=False):
            ratio_median = row.abs_amount / row.med if row.med else math.inf
            ratio_max = row.abs_amount / row.mx if row.mx else math.inf
            robust_z = (row.abs_amount - row.med) / (1.4826 * row.mad) if row.mad else math.inf
            verb = _VERBS.get(row.txn_type, "moved out")
            z_text = f", robust z {robust_z:.1f}" if math.isfinite(robust_z) else ""
            reasons.append(
                f"{verb} {cny(row.abs_amount)} on {row.booked_at:%Y-%m-%d %H:%M}, "
                f"{ratio_median:.0f}x this customer's {rule.history_days}-day median outflow "
                f"({cny(row.med)}) and {ratio_max:.1f}x its largest in {rule.max_history_days} days "
                f"({cny(row.mx)}){z_text}; {100 * row.balance_share:.0f}% of the balance"
            )
            ratios.append(_strength(ratio_median / rule.min_ratio_to_median, ratio_max / rule.min_ratio_to_max))
        first = group.iloc[0]
        detections.append(
            Detection(
                "large_outflow",
                first.account_id,
                first.customer_id,
                group["booked_at"].min().to_pydatetime(),
                group["booked_at"].max().to_pydatetime(),
                group["txn_id"].tolist(),
                max(ratios),
                reasons,
            )
        )
    return detections


# -- purchase burst -------------------------------------------------------------------------

PURCHASE_CANDIDATES_SQL = """
with cand as (
    select txn_id, account_id, customer_id, booked_at, abs_amount, txn_type
    from marts.fct_transactions
    where list_contains($types, txn_type) and direction = 'out'
      and abs_amount >= $min_amount and booked_at >= $since
),
ticket as (
    select c.txn_id, median(h.abs_amount) as usual_ticket, count(h.txn_id) as n_hist
    from cand c
    left join marts.fct_transactions h
      on h.customer_id = c.customer_id
     and list_contains($types, h.txn_type) and h.direction = 'out'
     and h.booked_at >= c.booked_at - to_days(cast($history_days as integer))
     and h.booked_at < c.booked_at - to_hours(cast($window_hours as integer))
    group by c.txn_id
)
select c.*, t.usual_ticket, t.n_hist
from cand c join ticket t using (txn_id)
where t.usual_ticket is null or c.abs_amount >= $min_ratio_to_ticket * t.usual_ticket
order by c.account_id, c.booked_at, c.txn_id
"""


def purchase_burst(con: duckdb.DuckDBPyConnection, rule: PurchaseBurstRule, since: datetime) -> list[Detection]:
    params = {
        "types": rule.txn_types,
        "min_amount": rule.min_amount,
        "since": since,
        "history_days": rule.history_days,
        "window_hours": rule.window_hours,
        "min_ratio_to_ticket": rule.min_ratio_to_ticket,
    }
    frame = con.execute(PURCHASE_CANDIDATES_SQL, params).df()
    if frame.empty:
        return []
    frame["episode"] = _episodes(frame, "account_id", timedelta(hours=rule.window_hours))
    # Most episodes are a single purchase: size them all at once, then word only the bursts.
    sizes = frame.groupby("episode", sort=True)["abs_amount"].agg(["size", "sum"])
    bursts = sizes.index[(sizes["size"] >= rule.min_count) & (sizes["sum"] >= rule.min_total)]
    detections = []
    for _, group in frame[frame["episode"].isin(bursts)].groupby("episode", sort=True):
        n, total = len(group), float(group["abs_amount"].sum())
        start, end = group["booked_at"].min(), group["booked_at"].max()
        hours = (end - start).total_seconds() / 3600
        tickets = group["usual_ticket"].dropna()
        usual = float(tickets.median()) if len(tickets) else math.nan
        ratio = float(group["abs_amount"].median()) / usual if usual and usual > 0 else math.inf
        usual_text = (
            f", {ratio:.0f}x the customer's usual ticket of {cny(usual)} ({rule.history_days} days)"
            if math.isfinite(ratio)
            else f", with no purchases in the previous {rule.history_days} days"
        )
        reason = (
            f"{n} purchases/subscriptions of {cny(group['abs_amount'].min())}–{cny(group['abs_amount'].max())} "
            f"within {max(hours, 1):.0f} hours totalling {cny(total)}{usual_text}"
        )
        first = group.iloc[0]
        detections.append(
            Detection(
                "purchase_burst",
                first.account_id,
                first.customer_id,
                start.to_pydatetime(),
                end.to_pydatetime(),
                group["txn_id"].tolist(),
                _strength(n / rule.min_count, total / rule.min_total, ratio / rule.min_ratio_to_ticket),
                [reason],
            )
        )
    return detections


# -- dormant reactivation -------------------------------------------------------------------

DORMANT_SQL = """
with data_start as (select min(booked_at) as first_booked from marts.fct_transactions),
activity as (
    select t.txn_id, t.account_id, t.customer_id, t.booked_at, t.abs_amount, t.direction,
           -- No earlier customer activity in the data: silent since the account opened, or
           -- since the data starts if it opened before that.
           coalesce(
               lag(t.booked_at) over (partition by t.account_id order by t.booked_at, t.txn_id),
               greatest(cast(a.opened_at as timestamp), d.first_booked)
           ) as previous_at
    from marts.fct_transactions t
    cross join data_start d
    left join marts.dim_account a using (account_id)
    where not list_contains($system_types, t.txn_type)
      and list_contains($account_types, coalesce(a.account_type, 'unknown'))
),
wakes as (
    select account_id, customer_id, txn_id as wake_txn, booked_at as wake_at, previous_at,
           datediff('day', previous_at, booked_at) as dormant_days
    from activity
    where previous_at is not null
      and booked_at >= $since
      and booked_at - previous_at >= to_days(cast($dormant_days as integer))
)
select w.account_id, w.customer_id, w.wake_at, w.previous_at, w.dormant_days,
       list(a.txn_id order by a.booked_at, a.txn_id) as txn_ids,
       max(a.booked_at) as window_end,
       sum(case when a.direction = 'in' then a.abs_amount else 0 end) as total_in,
       sum(case when a.direction = 'out' then a.abs_amount else 0 end) as total_out
from wakes w
join activity a
  on a.account_id = w.account_id
 and a.booked_at >= w.wake_at
 and a.booked_at < w.wake_at + to_days(cast($window_days as integer))
group by all
having greatest(total_in, total_out) >= $min_amount
order by w.account_id, w.wake_at
"""


def dormant_reactivation(con: duckdb.DuckDBPyConnection, rule: DormantRule, since: datetime) -> list[Detection]:
    frame = con.execute(
        DORMANT_SQL,
        {
            "system_types": SYSTEM_TXN_TYPES,
            "account_types": rule.account_types,
            "since": since,
            "dormant_days": rule.dormant_days,
            "window_days": rule.window_days,
            "min_amount": rule.min_amount,
        },
    ).df()
    detections = []
    for row in frame.itertuples(index=False):
        moved = max(row.total_in, row.total_out)
        reason = (
            f"account silent for {row.dormant_days} days (no customer activity since {row.previous_at:%Y-%m-%d}) "
            f"woke on {row.wake_at:%Y-%m-%d} and moved {cny(row.total_in)} in / "
            f"{cny(row.total_out)} out within {rule.window_days} days"
        )
        detections.append(
            Detection(
                "dormant_reactivation",
                row.account_id,
                row.customer_id,
                row.wake_at.to_pydatetime(),
                row.window_end.to_pydatetime(),
                list(row.txn_ids),
                _strength(row.dormant_days / rule.dormant_days, moved / rule.min_amount),
                [reason],
            )
        )
    return detections


# -- structuring ----------------------------------------------------------------------------

STRUCTURING_SQL = """
select txn_id, account_id, customer_id, booked_at, abs_amount
from marts.fct_transactions
where list_contains($types, txn_type) and list_contains($channels, channel)
  and direction = 'in'
  and abs_amount >= $low and abs_amount < $threshold
  and booked_at >= $since
order by account_id, booked_at, txn_id
"""


def structuring(con: duckdb.DuckDBPyConnection, rule: StructuringRule, since: datetime) -> list[Detection]:
    frame = con.execute(
        STRUCTURING_SQL,
        {
            "types": rule.txn_types,
            "channels": rule.channels,
            "low": rule.threshold - rule.band_below,
            "threshold": rule.threshold,
            "since": since,
        },
    ).df()
    if frame.empty:
        return []
    frame["episode"] = _episodes(frame, "account_id", timedelta(days=rule.window_days))
    detections = []
    for _, group in frame.groupby("episode", sort=True):
        if len(group) < rule.min_count:
            continue
        start, end = group["booked_at"].min(), group["booked_at"].max()
        days = max((end - start).total_seconds() / 86400, 1 / 24)
        total = float(group["abs_amount"].sum())
        reason = (
            f"{len(group)} cash deposits of {cny(group['abs_amount'].min())}–"
            f"{cny(group['abs_amount'].max())} in {days:.1f} days (total {cny(total)}), each just "
            f"under the {cny(rule.threshold)} reporting threshold"
        )
        tightness = rule.window_days / max(days, 1.0)
        first = group.iloc[0]
        detections.append(
            Detection(
                "structuring",
                first.account_id,
                first.customer_id,
                start.to_pydatetime(),
                end.to_pydatetime(),
                group["txn_id"].tolist(),
                _strength(len(group) / rule.min_count, tightness),
                [reason],
            )
        )
    return detections


# -- pass-through ---------------------------------------------------------------------------

PASS_THROUGH_SQL = """
with inflows as (
    select txn_id, account_id, customer_id, booked_at, abs_amount,
           coalesce(balance_after, 0) - abs_amount as balance_before
    from marts.fct_transactions
    where direction = 'in' and abs_amount >= $min_amount and booked_at >= $since
)
select i.txn_id as in_txn, i.account_id, i.customer_id, i.booked_at as in_at,
       i.abs_amount as in_amount, i.balance_before,
       sum(o.abs_amount) as out_amount, max(o.booked_at) as last_out_at,
       list(o.txn_id order by o.booked_at, o.txn_id) as out_txns
from inflows i
join marts.fct_transactions o
  on o.account_id = i.account_id and o.direction = 'out'
 and o.booked_at > i.booked_at
 and o.booked_at <= i.booked_at + to_hours(cast($window_hours as integer))
 and not list_contains($system_types, o.txn_type)
group by all
having abs(sum(o.abs_amount) - i.abs_amount) <= $max_gap * i.abs_amount
   and ($max_before is null or greatest(i.balance_before, 0) <= $max_before * i.abs_amount)
order by i.account_id, i.booked_at, i.txn_id
"""


def pass_through(con: duckdb.DuckDBPyConnection, rule: PassThroughRule, since: datetime) -> list[Detection]:
    frame = con.execute(
        PASS_THROUGH_SQL,
        {
            "min_amount": rule.min_amount,
            "since": since,
            "window_hours": rule.window_hours,
            "system_types": SYSTEM_TXN_TYPES,
            "max_gap": rule.max_relative_gap,
            "max_before": rule.max_balance_ratio_before,
        },
    ).df()
    detections = []
    for row in frame.itertuples(index=False):
        hours = (row.last_out_at - row.in_at).total_seconds() / 3600
        gap = abs(row.out_amount - row.in_amount) / row.in_amount
        reason = (
            f"received {cny(row.in_amount)} on {row.in_at:%Y-%m-%d %H:%M} and sent {cny(row.out_amount)} "
            f"out again within {hours:.0f} hours ({len(row.out_txns)} payment(s), "
            f"{100 * (1 - gap):.0f}% of the inflow); balance before was {cny(max(row.balance_before, 0))}"
        )
        closeness = rule.max_relative_gap / max(gap, rule.max_relative_gap / 4)
        speed = rule.window_hours / max(hours, 1.0)
        detections.append(
            Detection(
                "pass_through",
                row.account_id,
                row.customer_id,
                row.in_at.to_pydatetime(),
                row.last_out_at.to_pydatetime(),
                [row.in_txn, *row.out_txns],
                _strength(row.in_amount / rule.min_amount, closeness, speed),
                [reason],
            )
        )
    return detections


def run_rules(con: duckdb.DuckDBPyConnection, rules: Rules, since: datetime) -> list[Detection]:
    """Every enabled rule, in a fixed order (deterministic output)."""
    burst_types = list(rules.purchase_burst.txn_types)
    detections: list[Detection] = []
    if rules.large_outflow.enabled:
        detections += large_outflow(con, rules.large_outflow, since, burst_types + SYSTEM_TXN_TYPES)
    if rules.purchase_burst.enabled:
        detections += purchase_burst(con, rules.purchase_burst, since)
    if rules.dormant_reactivation.enabled:
        detections += dormant_reactivation(con, rules.dormant_reactivation, since)
    if rules.structuring.enabled:
        detections += structuring(con, rules.structuring, since)
    if rules.pass_through.enabled:
        detections += pass_through(con, rules.pass_through, since)
    return detections


def rule_score(strength: float) -> float:
    """0.6 at the threshold, approaching 1.0 as the episode gets stronger."""
    return float(np.clip(0.6 + 0.4 * (1.0 - 1.0 / max(strength, 1.0)), 0.0, 1.0))
