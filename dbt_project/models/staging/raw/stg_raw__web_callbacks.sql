with callback_rows as (
    {{ with_arrival('web_callbacks') }}
),

ranked as (
    select *, {{ version_rank(['request_id']) }} as version_rank
    from callback_rows
),

renamed as (
    select
        trim(request_id) as request_id,
        requested_at,
        {{ normalize_phone_e164('phone') }} as phone_e164,
        nullif(trim(customer_id), '') as customer_id,
        nullif(trim(topic), '') as topic,
        preferred_from,
        preferred_to
    from ranked
    where version_rank = 1
)

select * from renamed
