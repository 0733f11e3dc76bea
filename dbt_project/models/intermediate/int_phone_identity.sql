{{
    config(
        materialized='incremental',
        unique_key='phone_e164',
        pre_hook="{{ delete_reclaimed_phones() }}"
    )
}}
-- Caller number (E.164) -> customer. A number claimed by several customers goes to the one
-- whose record was updated latest ("latest phone wins"), then phone before phone2, then
-- the smallest customer_id (deterministic).
-- `last_source_file_id`: the winning customer's (int_customers_current; the max is the watermark).
-- Incremental: every number a changed customer claims now or owned before is re-ranked over
-- all its claimants; the pre-hook first deletes those numbers, so one nobody claims any more
-- disappears (macros/phone_identity.sql).
{%- set phones = reclaimed_phones() if is_incremental() else none %}
with customers as (
    select * from {{ ref('int_customers_current') }}
),

claims as (
    select phone_e164, customer_id, updated_at, 1 as phone_slot, last_source_file_id
    from customers where phone_e164 is not null
    union all
    select phone2_e164, customer_id, updated_at, 2 as phone_slot, last_source_file_id
    from customers where phone2_e164 is not null
),

claims_to_rank as (
    select * from claims
    {%- if is_incremental() %}
    where {{ in_keys('phone_e164', phones) }}
    {%- endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by phone_e164
            order by updated_at desc nulls last, phone_slot, customer_id
        ) as claim_rank,
        count(distinct customer_id) over (partition by phone_e164) as claimants
    from claims_to_rank
)

select
    phone_e164,
    customer_id,
    phone_slot,
    claimants,
    last_source_file_id
from ranked
where claim_rank = 1
