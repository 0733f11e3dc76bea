with agent_rows as (
    {{ with_arrival('agents') }}
),

ranked as (
    select *, {{ version_rank(['agent_id']) }} as version_rank
    from agent_rows
),

renamed as (
    select
        trim(agent_id) as agent_id,
        coalesce(nullif(trim(queue_member), ''), trim(agent_id)) as queue_member,
        name as agent_name,
        nullif(trim(center_id), '') as center_id,
        nullif(trim(team), '') as team,
        hired_at,
        left_at
    from ranked
    where version_rank = 1
)

select * from renamed
