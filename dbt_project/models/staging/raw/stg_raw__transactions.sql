with transaction_rows as (
    {{ with_arrival('transactions') }}
),

ranked as (
    select *, {{ version_rank(['txn_id']) }} as version_rank
    from transaction_rows
),

renamed as (
    select
        trim(txn_id) as txn_id,
        trim(account_id) as account_id,
        booked_at,
        amount,
        coalesce(upper(nullif(trim(currency), '')), 'CNY') as currency,
        lower(nullif(trim(txn_type), '')) as txn_type,
        lower(nullif(trim(channel), '')) as channel,
        nullif(trim(counterparty), '') as counterparty,
        balance_after,
        _file_id as source_file_id
    from ranked
    where version_rank = 1
)

select * from renamed
