with accounts as (
    select * from {{ ref('stg_raw__accounts') }}
),

horizon as (
    select * from {{ ref('int_data_horizon') }}
)

select
    accounts.account_id,
    accounts.customer_id,
    accounts.account_type,
    accounts.currency,
    accounts.branch_id,
    accounts.opened_at,
    accounts.closed_at,
    accounts.closed_at is null or accounts.closed_at > horizon.as_of_date as is_open
from accounts
cross join horizon
