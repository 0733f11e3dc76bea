{{ config(materialized='table') }}
-- Caller number (E.164) -> customer. A number claimed by several customers goes to the one
-- whose record was updated latest ("latest phone wins"), then phone before phone2, then
-- the smallest customer_id (deterministic).
with customers as (
    select * from {{ ref('stg_raw__customers') }}
),

claims as (
    select phone_e164, customer_id, updated_at, 1 as phone_slot
    from customers where phone_e164 is not null
    union all
    select phone2_e164, customer_id, updated_at, 2 as phone_slot
    from customers where phone2_e164 is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by phone_e164
            order by updated_at desc nulls last, phone_slot, customer_id
        ) as claim_rank,
        count(distinct customer_id) over (partition by phone_e164) as claimants
    from claims
)

select phone_e164, customer_id, phone_slot, claimants
from ranked
where claim_rank = 1
