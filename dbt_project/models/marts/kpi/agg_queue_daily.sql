-- Contract KPIs per queue and local date of the queue entry (plus `unknown`, so that
-- offered = answered + abandoned + timeout + exit_empty + exit_key + withdrawn + unknown).
with calls as (
    select * from {{ ref('fct_queue_calls') }}
),

queues as (
    select * from {{ ref('dim_queue') }}
)

select
    calls.queue,
    calls.entered_date as date,
    queues.center_id,
    {{ queue_kpi_measures() }}
from calls
left join queues
    on queues.queue = calls.queue
group by calls.queue, calls.entered_date, queues.center_id
