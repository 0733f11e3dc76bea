-- First-contact resolution per answered call: the caller (resolved customer, else the
-- normalised number) was resolved at first contact when they did not call again (any queue
-- call) within fcr_window_hours. Calls too recent to know are flagged not observable.
with entries as (
    select * from {{ ref('fct_queue_calls') }}
),

numbers as (
    select * from {{ ref('queue_call_numbers_restricted') }}
),

calls as (
    select
        entries.call_id,
        min(entries.entered_at) as contact_at,
        max(coalesce(entries.customer_id, 'tel:' || numbers.caller_e164)) as caller_key,
        max(case when entries.outcome = 'answered' then 1 else 0 end) = 1 as was_answered,
        min(entries.queue) as first_queue,
        max(entries.center_id) as center_id
    from entries
    left join numbers
        on numbers.queue_call_id = entries.queue_call_id
    group by entries.call_id
),

sequenced as (
    select
        *,
        lead(contact_at) over (partition by caller_key order by contact_at, call_id) as next_contact_at
    from calls
    where caller_key is not null
),

horizon as (
    select max(entered_at) as last_entry_at from entries
)

select
    sequenced.call_id,
    sequenced.caller_key,
    sequenced.contact_at,
    cast(sequenced.contact_at as date) as contact_date,
    sequenced.first_queue as queue,
    sequenced.center_id,
    sequenced.next_contact_at,
    {{ dbt.dateadd('hour', var('fcr_window_hours'), 'sequenced.contact_at') }} <= horizon.last_entry_at
        or sequenced.next_contact_at is not null as is_observable,
    sequenced.next_contact_at is null
        or sequenced.next_contact_at > {{ dbt.dateadd('hour', var('fcr_window_hours'), 'sequenced.contact_at') }} as resolved_first_contact
from sequenced
cross join horizon
where sequenced.was_answered
