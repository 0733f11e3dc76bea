{{
    config(
        materialized='incremental',
        unique_key='customer_id'
    )
}}
-- RESTRICTED: unmasked contact data of current customers, for campaigns and delivery only.
-- Incremental: the customers int_customers_current rewrote since (its lineage column).
select
    customer_id,
    phone_e164,
    phone2_e164,
    email,
    last_source_file_id
from {{ ref('int_customers_current') }}
{%- if is_incremental() %}
where last_source_file_id > {{ file_watermark() }}
{%- endif %}
