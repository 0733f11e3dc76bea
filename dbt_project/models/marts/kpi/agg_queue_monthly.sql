-- Contract KPIs per queue and month, with the same month last year beside them.
with calls as (
    select * from {{ ref('fct_queue_calls') }}
),

queues as (
    select * from {{ ref('dim_queue') }}
),

monthly as (
    select
        calls.queue,
        cast({{ dbt.date_trunc('month', 'calls.entered_date') }} as date) as month_start,
        {{ queue_kpi_measures() }}
    from calls
    left join queues
        on queues.queue = calls.queue
    group by calls.queue, cast({{ dbt.date_trunc('month', 'calls.entered_date') }} as date)
)

select
    this_month.*,
    last_year.offered as offered_same_month_last_year,
    last_year.answered as answered_same_month_last_year,
    last_year.service_level as service_level_same_month_last_year,
    last_year.abandon_rate as abandon_rate_same_month_last_year,
    last_year.asa_seconds as asa_seconds_same_month_last_year,
    last_year.aht_seconds as aht_seconds_same_month_last_year
from monthly as this_month
left join monthly as last_year
    on last_year.queue = this_month.queue
    and last_year.month_start = cast({{ dbt.dateadd('year', -1, 'this_month.month_start') }} as date)
