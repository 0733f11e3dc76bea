{{
    config(
        materialized='incremental',
        unique_key='ticket_id'
    )
}}
-- Ticket lifecycle events in order, with time since the previous event and hand-off flag.
-- `last_source_file_id`: the newest file among the ticket's events (the max is the watermark). Incremental: every event of each ticket with events in newer files is
-- recomputed from all of that ticket's events.
{%- if is_incremental() %}
{%- set touched_sql = "select trim(ticket_id) from " ~ source('raw', 'ticket_events') ~ " where _file_id > " ~ file_watermark() %}
{%- set changed = changed_keys_filter('ticket_id', touched_sql) %}
{%- endif %}
with ticket_events as (
    select * from {{ ref('stg_raw__ticket_events') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
),

ordered as (
    select
        *,
        row_number() over (partition by ticket_id order by event_at, ticket_event) as event_seq,
        lag(event_at) over (partition by ticket_id order by event_at, ticket_event) as previous_event_at,
        max(source_file_id) over (partition by ticket_id) as ticket_events_file_id
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
        or (from_department is not null and to_department is not null and from_department <> to_department) as is_handoff,
    ticket_events_file_id as last_source_file_id
from ordered
