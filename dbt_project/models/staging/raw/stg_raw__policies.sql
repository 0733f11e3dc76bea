with policy_rows as (
    {{ with_arrival('policies') }}
),

ranked as (
    select *, {{ version_rank(['policy_id'], 'updated_at') }} as version_rank
    from policy_rows
),

renamed as (
    select
        trim(policy_id) as policy_id,
        trim(customer_id) as customer_id,
        nullif(trim(product_code), '') as product_code,
        lower(nullif(trim(product_line), '')) as product_line,
        start_date,
        end_date,
        annual_premium,
        lower(nullif(trim(payment_frequency), '')) as payment_frequency,
        lower(nullif(trim(status), '')) as policy_status,
        nullif(trim(sales_agent_id), '') as sales_agent_id,
        updated_at,
        _file_id as source_file_id
    from ranked
    where version_rank = 1
)

select * from renamed
