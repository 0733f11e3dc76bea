-- Queues from the queues feed, plus any queue seen in queue_log but not (yet) in the feed.
with queues as (
    select * from {{ ref('stg_raw__queues') }}
),

logged as (
    select distinct queue from {{ ref('stg_raw__queue_log') }} where queue is not null
),

unlisted as (
    select
        logged.queue,
        cast(null as varchar) as center_id,
        cast(null as varchar) as business_line,
        {{ var('default_service_level_seconds') }} as service_level_seconds
    from logged
    where logged.queue not in (select queue from queues)
)

select queue, center_id, business_line, service_level_seconds, true as is_listed from queues
union all
select queue, center_id, business_line, service_level_seconds, false as is_listed from unlisted
