{{
    config(
        materialized='incremental',
        unique_key='account_id'
    )
}}
-- Bank accounts; is_open as of the data's as-of date. `last_source_file_id`: the file of the
-- account's latest version (the max is the watermark). Incremental: accounts with a version in
-- newer files, and open accounts whose closing date the as-of date has now reached.
{%- if is_incremental() %}
{%- set as_of = scalar_now("select as_of_date from " ~ ref('int_data_horizon')) %}
{%- set touched_sql = "select trim(account_id) from " ~ source('raw', 'accounts') ~ " where _file_id > " ~ file_watermark()
    ~ " union all select account_id from " ~ this ~ " where is_open and closed_at <= cast('" ~ as_of ~ "' as date)" %}
{%- set changed = changed_keys_filter('account_id', touched_sql) %}
{%- endif %}
with accounts as (
    select * from {{ ref('stg_raw__accounts') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
),

horizon as (
    select * from {{ ref('int_data_horizon') }}
)

select
    accounts.account_id,
    accounts.customer_id,
    accounts.account_type,
    accounts.currency,
    accounts.branch_id,
    accounts.opened_at,
    accounts.closed_at,
    accounts.closed_at is null or accounts.closed_at > horizon.as_of_date as is_open,
    accounts.source_file_id as last_source_file_id
from accounts
cross join horizon
