with premium_rows as (
    {{ with_arrival('premiums') }}
),

ranked as (
    select *, {{ version_rank(['policy_id', 'due_date']) }} as version_rank
    from premium_rows
),

renamed as (
    select
        trim(policy_id) as policy_id,
        due_date,
        amount_due,
        paid_at,
        amount_paid,
        _file_id as source_file_id
    from ranked
    where version_rank = 1
)

select * from renamed
