-- Premium schedule with payments; overdue relative to the data's as-of date.
with premiums as (
    select * from {{ ref('stg_raw__premiums') }}
),

policies as (
    select policy_id, customer_id from {{ ref('stg_raw__policies') }}
),

horizon as (
    select * from {{ ref('int_data_horizon') }}
),

measured as (
    select
        premiums.policy_id,
        policies.customer_id,
        premiums.due_date,
        premiums.amount_due,
        premiums.paid_at,
        premiums.amount_paid,
        premiums.paid_at is not null as is_paid,
        greatest(
            0,
            {{ dbt.datediff('premiums.due_date', 'coalesce(cast(premiums.paid_at as date), horizon.as_of_date)', 'day') }}
        ) as overdue_days,
        horizon.as_of_date
    from premiums
    left join policies on policies.policy_id = premiums.policy_id
    cross join horizon
)

select
    policy_id,
    customer_id,
    due_date,
    amount_due,
    paid_at,
    amount_paid,
    is_paid,
    overdue_days,
    case
        when is_paid then 'paid'
        when due_date < as_of_date then 'overdue'
        else 'due'
    end as premium_status
from measured
