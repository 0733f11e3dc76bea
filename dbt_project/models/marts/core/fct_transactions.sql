{{
    config(
        materialized='incremental',
        unique_key='txn_id',
        on_schema_change='fail'
    )
}}
-- One row per banking transaction (latest version). Incremental on the landing file id:
-- transactions in newly landed files (new or corrected) replace their rows.
with transactions as (
    select * from {{ ref('stg_raw__transactions') }}
    {%- if is_incremental() %}
    -- new keys straight from the raw feed (through staging would rank the whole feed); their
    -- range, as literals, keeps staging's latest-wins window to the keys in that range
    {%- set new_keys = 'select trim(txn_id) from ' ~ source('raw', 'transactions')
        ~ ' where _file_id > ' ~ file_watermark('source_file_id') %}
    where {{ key_range_now('txn_id', new_keys) }}
        and txn_id in ({{ new_keys }})
    {%- endif %}
),

accounts as (
    select account_id, customer_id from {{ ref('stg_raw__accounts') }}
)

select
    transactions.txn_id,
    transactions.account_id,
    accounts.customer_id,
    transactions.booked_at,
    cast(transactions.booked_at as date) as booked_date,
    transactions.amount,
    abs(transactions.amount) as abs_amount,
    case when transactions.amount < 0 then 'out' else 'in' end as direction,
    transactions.txn_type,
    transactions.channel,
    transactions.counterparty,
    transactions.balance_after,
    transactions.currency,
    transactions.source_file_id
from transactions
left join accounts
    on accounts.account_id = transactions.account_id
