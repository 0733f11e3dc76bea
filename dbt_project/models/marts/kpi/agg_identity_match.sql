-- Caller -> customer match rate per date: queue entries with a caller number, and how many
-- matched a customer through the E.164 identity (int_phone_identity).
with entries as (
    select * from {{ ref('fct_queue_calls') }}
),

numbers as (
    select * from {{ ref('queue_call_numbers_restricted') }}
)

select
    entries.entered_date as date,
    count(*) as queue_entries,
    sum(case when numbers.caller_e164 is not null then 1 else 0 end) as with_caller_number,
    sum(case when entries.customer_id is not null then 1 else 0 end) as matched,
    sum(case when entries.customer_id is not null then 1 else 0 end) * 1.0
        / nullif(sum(case when numbers.caller_e164 is not null then 1 else 0 end), 0) as match_rate
from entries
left join numbers
    on numbers.queue_call_id = entries.queue_call_id
group by entries.entered_date
