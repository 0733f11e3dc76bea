-- Calendar over the span of the activity data (and a year before it, for last-year views).
with bounds as (
    select
        min(first_date) as first_date,
        max(last_date) as last_date
    from (
        select min(entered_date) as first_date, max(entered_date) as last_date
        from {{ ref('fct_queue_calls') }}
        union all
        select min(started_date), max(started_date) from {{ ref('fct_calls') }}
        union all
        select min(booked_date), max(booked_date) from {{ ref('fct_transactions') }}
        union all
        select min(created_date), max(created_date) from {{ ref('fct_tickets') }}
    ) as spans
),

days as (
    {{ day_series(
        "(select coalesce(" ~ dbt.dateadd('year', -1, 'first_date') ~ ", current_date) from bounds)",
        "(select coalesce(last_date, current_date) from bounds)"
    ) }}
)

select
    date_day,
    cast(extract(year from date_day) as integer) as year,
    cast(extract(quarter from date_day) as integer) as quarter,
    cast(extract(month from date_day) as integer) as month,
    cast(extract(day from date_day) as integer) as day_of_month,
    cast(extract(isodow from date_day) as integer) as iso_day_of_week,
    cast(extract(week from date_day) as integer) as iso_week,
    cast(extract(isodow from date_day) as integer) in (6, 7) as is_weekend,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
    cast({{ dbt.dateadd('day', -7, 'date_day') }} as date) as same_day_last_week,
    cast({{ dbt.dateadd('year', -1, 'date_day') }} as date) as same_day_last_year
from days
