with account_rows as (
    {{ with_arrival('accounts') }}
),

ranked as (
    select *, {{ version_rank(['account_id']) }} as version_rank
    from account_rows
),

renamed as (
    select
        trim(account_id) as account_id,
        trim(customer_id) as customer_id,
        lower(nullif(trim(account_type), '')) as account_type,
        coalesce(upper(nullif(trim(currency), '')), 'CNY') as currency,
        nullif(trim(branch_id), '') as branch_id,
        opened_at,
        closed_at,
        _file_id as source_file_id
    from ranked
    where version_rank = 1
)

select * from renamed
