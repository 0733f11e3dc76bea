-- Ticket lifecycle events in order, with time since the previous event and hand-off flag.
with ticket_events as (
    select * from {{ ref('stg_raw__ticket_events') }}
),

ordered as (
    select
        *,
        row_number() over (partition by ticket_id order by event_at, ticket_event) as event_seq,
        lag(event_at) over (partition by ticket_id order by event_at, ticket_event) as previous_event_at
    from ticket_events
)

select
    ticket_id,
    event_seq,
    event_at,
    ticket_event as event,
    from_department,
    to_department,
    actor,
    {{ seconds_between('previous_event_at', 'event_at') }} as seconds_since_previous,
    ticket_event = 'transferred'
        or (from_department is not null and to_department is not null and from_department <> to_department) as is_handoff
from ordered
