{{
    config(
        materialized='incremental',
        unique_key='customer_id'
    )
}}
-- The latest version of each customer's contact and personal fields, kept as a table so the
-- identity, the restricted contact table and the customer 360 do not each re-normalise every
-- landed customer version. `last_source_file_id`: the file of the latest version (the max is
-- the watermark). Incremental: customers with a version in newer files.
{%- if is_incremental() %}
{%- set touched_sql = "select trim(customer_id) from " ~ source('raw', 'customers') ~ " where _file_id > " ~ file_watermark() %}
{%- set changed = changed_keys_filter('customer_id', touched_sql) %}
{%- endif %}
with customers as (
    select * from {{ ref('stg_raw__customers') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
)

select
    customer_id,
    birth_date,
    phone_e164,
    phone2_e164,
    email,
    updated_at,
    source_file_id as last_source_file_id
from customers
