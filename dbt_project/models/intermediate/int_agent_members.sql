-- queue_log agent field -> agent_id: by the agents feed's queue_member, else by agent_id.
with agents as (
    select * from {{ ref('stg_raw__agents') }}
),

by_member as (
    select queue_member as agent_member, agent_id from agents
),

by_id as (
    select agent_id as agent_member, agent_id from agents
    where agent_id not in (select agent_member from by_member)
),

members as (
    select * from by_member
    union all
    select * from by_id
)

select agent_member, min(agent_id) as agent_id
from members
group by agent_member
