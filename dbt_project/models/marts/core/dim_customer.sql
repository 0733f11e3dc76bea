{{
    config(
        materialized='incremental',
        unique_key='customer_id'
    )
}}
-- Customer history (SCD2): one row per version; a new version when phone, RM or address
-- changes. PII masked: phone 138****5678, ID number 4401**********1234. The unmasked contact
-- data is only in customer_contact_restricted.
-- `last_source_file_id`: the newest file holding a version of the customer, or the newest dnc
-- file if later (so full refresh and incremental runs agree; the max is the watermark).
-- Incremental: every version of each customer with a version in newer customers
-- files is recomputed; a newer dnc file recomputes every customer.
{%- if is_incremental() %}
{%- set watermark = file_watermark() %}
{%- set new_dnc_files = scalar_now(
    "select count(*) from " ~ source('raw', 'ingest_files') ~ " where feed = 'dnc' and file_id > " ~ watermark, 0
) | int %}
{%- set touched_sql = "select trim(customer_id) from " ~ source('raw', 'customers') ~ " where _file_id > " ~ watermark %}
{%- set changed = 'true' if new_dnc_files > 0 else changed_keys_filter('customer_id', touched_sql) %}
{%- endif %}
with history as (
    select * from {{ ref('int_customer_history') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
),

dnc as (
    select distinct phone_e164 from {{ ref('stg_raw__dnc') }} where phone_e164 is not null
)

select
    {{ dbt.hash(dbt.concat(["history.customer_id", "'|'", "cast(history.version_no as varchar)"])) }} as customer_key,
    history.customer_id,
    history.version_no,
    history.valid_from,
    history.valid_to,
    history.valid_to is null as is_current,
    history.customer_name as name,
    history.gender,
    cast(extract(year from history.birth_date) as integer) as birth_year,
    history.province,
    history.city,
    history.rm_id,
    {{ mask_phone('history.phone_e164') }} as phone_e164_masked,
    {{ mask_id_number('history.id_number') }} as id_number_masked,
    coalesce(history.do_not_call, false)
        or history.phone_e164 in (select phone_e164 from dnc)
        or history.phone2_e164 in (select phone_e164 from dnc) as do_not_call,
    greatest(history.last_source_file_id, {{ newest_file_now(['dnc']) }}) as last_source_file_id
from history
