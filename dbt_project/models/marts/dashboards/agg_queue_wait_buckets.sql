-- Calls per day, queue and center by how long they waited (10-second buckets, every wait of
-- 300 s or more in the last one) and by outcome: the Queues page's wait distribution and
-- abandon-by-wait curve, without scanning every queue entry at page time.
with queue_calls as (
    select * from {{ ref('fct_queue_calls') }}
),

bucketed as (
    select
        cast(entered_at as date) as date,
        queue,
        center_id,
        -- a negative wait (clock skew) counts as 0 s, like the page's own bucketing
        least(greatest(floor(wait_seconds / 10) * 10, 0), 300)::integer as wait_from,
        outcome
    from queue_calls
    where wait_seconds is not null
)

select
    date,
    queue,
    center_id,
    wait_from,
    outcome,
    count(*) as calls
from bucketed
group by date, queue, center_id, wait_from, outcome
