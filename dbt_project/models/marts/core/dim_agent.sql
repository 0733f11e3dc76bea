with agents as (
    select * from {{ ref('stg_raw__agents') }}
),

horizon as (
    select * from {{ ref('int_data_horizon') }}
)

select
    agents.agent_id,
    agents.queue_member,
    agents.agent_name as name,
    agents.center_id,
    agents.team,
    agents.hired_at,
    agents.left_at,
    agents.left_at is null or agents.left_at > horizon.as_of_date as is_active
from agents
cross join horizon
