with queue_rows as (
    {{ with_arrival('queues') }}
),

ranked as (
    select *, {{ version_rank(['queue']) }} as version_rank
    from queue_rows
),

renamed as (
    select
        trim(queue) as queue,
        nullif(trim(center_id), '') as center_id,
        lower(nullif(trim(business_line), '')) as business_line,
        coalesce(service_level_seconds, {{ var('default_service_level_seconds') }}) as service_level_seconds
    from ranked
    where version_rank = 1
)

select * from renamed
