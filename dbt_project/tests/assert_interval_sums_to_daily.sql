-- Reconciliation: the 30-minute intervals of a queue-day add up to the day.
with intervals as (
    select queue, date, sum(offered) as offered, sum(answered) as answered, sum(abandoned) as abandoned
    from {{ ref('agg_queue_interval') }}
    group by queue, date
)

select daily.queue, daily.date
from {{ ref('agg_queue_daily') }} as daily
left join intervals on intervals.queue = daily.queue and intervals.date = daily.date
where intervals.offered is distinct from daily.offered
    or intervals.answered is distinct from daily.answered
    or intervals.abandoned is distinct from daily.abandoned
