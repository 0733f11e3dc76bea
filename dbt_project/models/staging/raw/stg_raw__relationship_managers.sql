with rm_rows as (
    {{ with_arrival('relationship_managers') }}
),

ranked as (
    select *, {{ version_rank(['rm_id']) }} as version_rank
    from rm_rows
),

renamed as (
    select
        trim(rm_id) as rm_id,
        name as rm_name,
        nullif(trim(email), '') as email,
        {{ normalize_phone_e164('phone') }} as phone_e164,
        nullif(trim(center_id), '') as center_id
    from ranked
    where version_rank = 1
)

select * from renamed
