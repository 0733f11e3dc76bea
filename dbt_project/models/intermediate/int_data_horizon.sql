-- The "as of" date of the data: the latest local date any activity feed reached. Used for
-- overdue premiums and the last-90-days windows, so results depend on data, not the clock.
with activity as (
    select max(cast(event_at as date)) as last_date from {{ ref('stg_raw__queue_log') }}
    union all
    select max(cast(started_at as date)) from {{ ref('stg_raw__cdr') }}
    union all
    select max(cast(booked_at as date)) from {{ ref('stg_raw__transactions') }}
    union all
    select max(cast(created_at as date)) from {{ ref('stg_raw__tickets') }}
)

select coalesce(max(last_date), cast('1970-01-01' as date)) as as_of_date
from activity
