{{
    config(
        materialized='incremental',
        unique_key='policy_id'
    )
}}
-- Insurance policies (latest version). `last_source_file_id`: the file of the policy's latest
-- version (the max is the watermark). Incremental: policies with a version in newer files.
{%- if is_incremental() %}
{%- set touched_sql = "select trim(policy_id) from " ~ source('raw', 'policies') ~ " where _file_id > " ~ file_watermark() %}
{%- set changed = changed_keys_filter('policy_id', touched_sql) %}
{%- endif %}
with policies as (
    select * from {{ ref('stg_raw__policies') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
)

select
    policy_id,
    customer_id,
    product_code,
    product_line,
    start_date,
    end_date,
    annual_premium,
    payment_frequency,
    policy_status as status,
    sales_agent_id,
    source_file_id as last_source_file_id
from policies
