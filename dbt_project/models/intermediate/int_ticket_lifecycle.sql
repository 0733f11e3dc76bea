-- Per ticket: hand-offs between departments, reopen count, escalations, event counts.
with ticket_events as (
    select * from {{ ref('stg_raw__ticket_events') }}
)

select
    ticket_id,
    count(*) as event_count,
    sum(case when ticket_event = 'transferred'
        or (from_department is not null and to_department is not null and from_department <> to_department)
        then 1 else 0 end) as handoff_count,
    sum(case when ticket_event = 'reopened' then 1 else 0 end) as reopen_count,
    sum(case when ticket_event = 'escalated' then 1 else 0 end) as escalation_count,
    min(case when ticket_event = 'assigned' then event_at end) as first_assigned_at,
    min(case when ticket_event = 'resolved' then event_at end) as first_resolved_at,
    max(case when ticket_event = 'resolved' then event_at end) as last_resolved_at,
    max(case when ticket_event = 'closed' then event_at end) as last_closed_at,
    max(source_file_id) as last_event_file_id
from ticket_events
group by ticket_id
