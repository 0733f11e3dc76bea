-- Complaints per 1,000 calls, per center and date: complaint tickets created at the center
-- over distinct calls offered to the center's queues that day.
with calls as (
    select center_id, entered_date as date, count(distinct call_id) as calls
    from {{ ref('fct_queue_calls') }}
    where center_id is not null
    group by center_id, entered_date
),

complaints as (
    select center_id, created_date as date, count(*) as complaints
    from {{ ref('fct_tickets') }}
    where is_complaint and center_id is not null
    group by center_id, created_date
),

center_days as (
    select center_id, date from calls
    union
    select center_id, date from complaints
)

select
    center_days.center_id,
    center_days.date,
    coalesce(calls.calls, 0) as calls,
    coalesce(complaints.complaints, 0) as complaints,
    coalesce(complaints.complaints, 0) * 1000.0 / nullif(calls.calls, 0) as complaints_per_1000_calls
from center_days
left join calls on calls.center_id = center_days.center_id and calls.date = center_days.date
left join complaints on complaints.center_id = center_days.center_id and complaints.date = center_days.date
