-- The "as of" date of the data: the latest local date any activity reached. Used for overdue
-- premiums and the last-90-days windows, so results depend on data, not the clock. Read from
-- the (incremental) facts rather than staging, which would re-rank whole feeds.
with activity as (
    select max(entered_date) as last_date from {{ ref('fct_queue_calls') }}
    union all
    select max(started_date) from {{ ref('fct_calls') }}
    union all
    select max(booked_date) from {{ ref('fct_transactions') }}
    union all
    select max(created_date) from {{ ref('fct_tickets') }}
)

select coalesce(max(last_date), cast('1970-01-01' as date)) as as_of_date
from activity
