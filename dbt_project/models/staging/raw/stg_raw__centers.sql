with center_rows as (
    {{ with_arrival('centers') }}
),

ranked as (
    select *, {{ version_rank(['center_id']) }} as version_rank
    from center_rows
),

renamed as (
    select
        trim(center_id) as center_id,
        trim(name) as center_name,
        nullif(trim(parent_center_id), '') as parent_center_id,
        lower(trim(level)) as center_level
    from ranked
    where version_rank = 1
)

select * from renamed
