-- The do-not-call registry, keyed by the number as written; phone_e164 for matching.
with dnc_rows as (
    {{ with_arrival('dnc') }}
),

ranked as (
    select *, {{ version_rank(['phone']) }} as version_rank
    from dnc_rows
),

renamed as (
    select
        trim(phone) as phone_raw,
        {{ normalize_phone_e164('phone') }} as phone_e164,
        added_at,
        nullif(trim(source), '') as dnc_source
    from ranked
    where version_rank = 1
)

select * from renamed
