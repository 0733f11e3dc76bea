"""Per-customer features for the value model, computed in DuckDB SQL from the marts.

Everything is measured as of the last booked transaction in the data (``as_of``), not the
wall clock, so the same data always gives the same features.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from ccdw.errors import CcdwError

REQUIRED_MARTS: tuple[str, ...] = (
    "mart_customer_360",
    "fct_transactions",
    "dim_account",
    "dim_policy",
    "fct_premiums",
)


def check_marts(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = REQUIRED_MARTS) -> None:
    present = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    missing = [name for name in names if name not in present]
    if missing:
        raise CcdwError(
            f"the warehouse has no marts.{', marts.'.join(missing)}: run `ccdw build` before `ccdw score`"
        )


def data_as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    row = con.execute("select max(booked_at) from marts.fct_transactions").fetchone()
    if row is None or row[0] is None:
        raise CcdwError("marts.fct_transactions is empty: nothing to score")
    return row[0]


# Parameters: $as_of (timestamp), $activity_types (varchar[]), $savings_rate and
# $postings_per_year (the posted savings rate and how often interest is credited).
CUSTOMER_FEATURES_SQL = """
with bounds as (
    select cast($as_of as timestamp) as as_of,
           cast($as_of as date) as as_of_date,
           (select min(booked_date) from marts.fct_transactions) as first_date
),
customers as (
    select customer_id, rm_id,
           coalesce(n_accounts, 0) as n_accounts,
           coalesce(n_policies, 0) as n_policies,
           coalesce(calls_90d, 0) as calls_90d,
           coalesce(tickets_90d, 0) as tickets_90d,
           coalesce(complaints_90d, 0) as complaints_90d,
           coalesce(open_tickets, 0) as open_tickets,
           coalesce(premium_overdue_amount, 0) as premium_overdue_amount
    from marts.mart_customer_360
),
account_txns as (
    select t.account_id, t.customer_id, t.booked_at, t.txn_id, t.balance_after, t.txn_type, t.abs_amount,
           coalesce(lead(t.booked_at) over (partition by t.account_id order by t.booked_at, t.txn_id),
                    b.as_of) as next_at
    from marts.fct_transactions t, bounds b
),
account_balance as (
    select account_id,
           any_value(customer_id) as customer_id,
           arg_max(balance_after, (booked_at, txn_id)) as balance_now,
           arg_max(balance_after, (booked_at, txn_id))
               filter (where booked_at <= (select as_of from bounds) - interval 30 day) as balance_30d_ago,
           -- average daily balance: each balance weighted by how long it was held
           sum(balance_after * epoch(next_at - booked_at))
               / nullif(epoch(max(next_at) - min(booked_at)), 0) as balance_adb,
           -- interest credited is rate x average balance over the accrual period: the balance
           -- the bank actually held, including the days between transactions
           avg(abs_amount) filter (where txn_type = 'interest') as interest_per_posting
    from account_txns
    group by account_id
),
balances as (
    select a.customer_id,
           sum(coalesce(ab.balance_now, 0)) as balance_now,
           sum(coalesce(ab.balance_30d_ago, ab.balance_now, 0)) as balance_30d_ago,
           sum(coalesce(ab.balance_adb, ab.balance_now, 0)) as balance_avg,
           sum(case when a.account_type = 'savings'
                    then coalesce(ab.interest_per_posting * $postings_per_year / $savings_rate,
                                  ab.balance_adb, ab.balance_now, 0) else 0 end) as bal_savings,
           sum(case when a.account_type = 'current' then coalesce(ab.balance_adb, ab.balance_now, 0) else 0 end) as bal_current,
           sum(case when a.account_type = 'wealth' then coalesce(ab.balance_adb, ab.balance_now, 0) else 0 end) as bal_wealth,
           sum(case when a.account_type = 'card' then abs(coalesce(ab.balance_adb, ab.balance_now, 0)) else 0 end) as bal_card,
           sum(case when a.account_type not in ('savings', 'current', 'wealth', 'card')
                    or a.account_type is null then coalesce(ab.balance_adb, ab.balance_now, 0) else 0 end) as bal_other,
           count(distinct a.account_type) as n_account_types
    from marts.dim_account a
    left join account_balance ab using (account_id)
    group by a.customer_id
),
activity_days as (
    select t.customer_id, t.booked_date,
           sum(t.abs_amount) as day_volume
    from marts.fct_transactions t
    where list_contains($activity_types, t.txn_type)
    group by t.customer_id, t.booked_date
),
activity as (
    select d.customer_id,
           count(*) as active_days,
           min(d.booked_date) as first_active,
           max(d.booked_date) as last_active,
           -- mean volume per repeat day (the first day is the acquisition, as in BG/NBD)
           avg(d.day_volume) filter (where d.booked_date > fd.first_active) as repeat_day_volume,
           sum(d.day_volume) as total_volume
    from activity_days d
    join (select customer_id, min(booked_date) as first_active from activity_days group by 1) fd
        using (customer_id)
    group by d.customer_id
),
engagement as (
    -- RFM recency/frequency: every transaction the customer made (not fees or interest).
    select t.customer_id,
           count(distinct t.booked_date) as engaged_days,
           max(t.booked_date) as last_engaged
    from marts.fct_transactions t
    where t.txn_type not in ('fee', 'interest')
    group by t.customer_id
),
income as (
    select t.customer_id,
           count(*) as n_txns,
           sum(case when t.txn_type = 'fee' then t.abs_amount else 0 end) as fee_total,
           sum(case when t.txn_type = 'interest' then t.abs_amount else 0 end) as interest_total,
           sum(case when t.txn_type in ('purchase', 'subscription') then t.abs_amount else 0 end) as purchase_total,
           sum(case when t.direction = 'in' then t.abs_amount else 0 end) as inflow_total,
           sum(case when t.direction = 'out' then t.abs_amount else 0 end) as outflow_total
    from marts.fct_transactions t
    group by t.customer_id
),
premium_policies as (
    select customer_id,
           sum(case when status = 'active' then coalesce(annual_premium, 0) else 0 end) as active_premium,
           count(*) filter (where status = 'active') as active_policies,
           count(distinct product_line) as n_product_lines
    from marts.dim_policy
    group by customer_id
),
premium_payments as (
    select p.customer_id,
           count(*) filter (where p.due_date <= b.as_of_date) as premiums_due,
           count(*) filter (where p.due_date <= b.as_of_date and p.is_paid) as premiums_paid,
           sum(coalesce(p.amount_paid, 0)) as premiums_paid_amount
    from marts.fct_premiums p, bounds b
    group by p.customer_id
)
select c.customer_id, c.rm_id,
       c.n_accounts, c.n_policies, c.calls_90d, c.tickets_90d, c.complaints_90d, c.open_tickets,
       c.premium_overdue_amount,
       coalesce(bl.balance_now, 0) as balance_now,
       coalesce(bl.balance_now, 0) - coalesce(bl.balance_30d_ago, 0) as balance_trend_30d,
       coalesce(bl.balance_avg, 0) as balance_avg,
       coalesce(bl.bal_savings, 0) as bal_savings,
       coalesce(bl.bal_current, 0) as bal_current,
       coalesce(bl.bal_wealth, 0) as bal_wealth,
       coalesce(bl.bal_card, 0) as bal_card,
       coalesce(bl.bal_other, 0) as bal_other,
       coalesce(bl.n_account_types, 0) as n_account_types,
       coalesce(a.active_days, 0) as active_days,
       greatest(coalesce(a.active_days, 0) - 1, 0) as bg_x,
       coalesce(datediff('day', a.first_active, a.last_active), 0) as bg_t_x,
       coalesce(datediff('day', a.first_active, bd.as_of_date), 0) as bg_T,
       coalesce(a.repeat_day_volume, 0) as bg_m,
       coalesce(datediff('day', e.last_engaged, bd.as_of_date), datediff('day', bd.first_date, bd.as_of_date) + 1) as recency_days,
       coalesce(e.engaged_days, 0) as engaged_days,
       coalesce(a.total_volume, 0) as total_volume,
       coalesce(i.n_txns, 0) as n_txns,
       coalesce(i.fee_total, 0) as fee_total,
       coalesce(i.interest_total, 0) as interest_total,
       coalesce(i.purchase_total, 0) as purchase_total,
       coalesce(i.inflow_total, 0) as inflow_total,
       coalesce(i.outflow_total, 0) as outflow_total,
       coalesce(pp.active_premium, 0) as active_premium,
       coalesce(pp.active_policies, 0) as active_policies,
       coalesce(pp.n_product_lines, 0) as n_product_lines,
       case when coalesce(pm.premiums_due, 0) = 0 then 1.0
            else pm.premiums_paid / pm.premiums_due end as premium_persistency,
       datediff('day', bd.first_date, bd.as_of_date) + 1 as window_days
from customers c
cross join bounds bd
left join balances bl using (customer_id)
left join activity a using (customer_id)
left join engagement e using (customer_id)
left join income i using (customer_id)
left join premium_policies pp using (customer_id)
left join premium_payments pm using (customer_id)
order by c.customer_id
"""


def customer_features(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    activity_types: list[str],
    savings_rate: float = 0.0035,
    postings_per_year: int = 4,
) -> pd.DataFrame:
    params = {
        "as_of": as_of,
        "activity_types": activity_types,
        "savings_rate": savings_rate,
        "postings_per_year": postings_per_year,
    }
    return con.execute(CUSTOMER_FEATURES_SQL, params).df()
