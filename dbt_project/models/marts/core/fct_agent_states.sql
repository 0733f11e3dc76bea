-- Agent login / pause intervals from queue_log, one row per state piece within a local date.
with segments as (
    select * from {{ ref('int_agent_state_segments') }}
),

agent_members as (
    select * from {{ ref('int_agent_members') }}
)

select
    coalesce(agent_members.agent_id, segments.agent_member) as agent_id,
    segments.agent_member,
    segments.date_day,
    segments.piece_start as state_start,
    segments.piece_end as state_end,
    case when segments.paused then 'paused' else 'available' end as state,
    segments.pause_reason,
    segments.is_after_call_work,
    segments.seconds
from segments
left join agent_members
    on agent_members.agent_member = segments.agent_member
