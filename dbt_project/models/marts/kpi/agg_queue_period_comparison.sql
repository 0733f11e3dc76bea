-- Period over period per queue and date: the same day last week.
with daily as (
    select * from {{ ref('agg_queue_daily') }}
)

select
    this_day.queue,
    this_day.date,
    this_day.center_id,
    this_day.offered,
    last_week.offered as offered_same_day_last_week,
    this_day.offered - last_week.offered as offered_change_vs_last_week,
    this_day.service_level,
    last_week.service_level as service_level_same_day_last_week,
    this_day.abandon_rate,
    last_week.abandon_rate as abandon_rate_same_day_last_week,
    this_day.asa_seconds,
    last_week.asa_seconds as asa_seconds_same_day_last_week,
    this_day.aht_seconds,
    last_week.aht_seconds as aht_seconds_same_day_last_week
from daily as this_day
left join daily as last_week
    on last_week.queue = this_day.queue
    and last_week.date = cast({{ dbt.dateadd('day', -7, 'this_day.date') }} as date)
