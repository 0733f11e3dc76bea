-- Contract KPIs per queue and 30-minute interval (local) of the queue entry.
with calls as (
    select * from {{ ref('fct_queue_calls') }}
),

queues as (
    select * from {{ ref('dim_queue') }}
)

select
    calls.queue,
    calls.entered_date as date,
    calls.interval_start,
    queues.center_id,
    {{ queue_kpi_measures() }}
from calls
left join queues
    on queues.queue = calls.queue
group by calls.queue, calls.entered_date, calls.interval_start, queues.center_id
