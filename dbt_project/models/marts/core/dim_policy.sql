select
    policy_id,
    customer_id,
    product_code,
    product_line,
    start_date,
    end_date,
    annual_premium,
    payment_frequency,
    policy_status as status,
    sales_agent_id
from {{ ref('stg_raw__policies') }}
