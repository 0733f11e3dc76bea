{{
    config(
        materialized='incremental',
        unique_key='account_id'
    )
}}
-- Each account's latest balance: balance_after of its latest transaction (by booked_at,
-- then txn_id). `last_source_file_id`: the newest file among the account's transactions (the
-- max is the watermark). Incremental: accounts with transactions from newer files
-- (new or corrected) are recomputed over all their transactions; fct_transactions is a
-- table, so the semi-join only narrows its scan.
with transactions as (
    select * from {{ ref('fct_transactions') }}
    {%- if is_incremental() %}
    where account_id in (
        select account_id from {{ ref('fct_transactions') }}
        where source_file_id > {{ file_watermark() }}
    )
    {%- endif %}
),

ranked as (
    select
        account_id,
        txn_id,
        booked_at,
        balance_after,
        row_number() over (partition by account_id order by booked_at desc, txn_id desc) as recency,
        max(source_file_id) over (partition by account_id) as last_source_file_id
    from transactions
)

select
    account_id,
    txn_id as latest_txn_id,
    booked_at as latest_booked_at,
    balance_after,
    last_source_file_id
from ranked
where recency = 1
