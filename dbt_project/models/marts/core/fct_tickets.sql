{{
    config(
        materialized='incremental',
        unique_key='ticket_id'
    )
}}
-- One row per ticket (latest version) with lifecycle durations, hand-offs and reopens.
-- `last_source_file_id`: the newest file holding the ticket's latest version or one of its
-- events (the max is the watermark). Incremental: tickets with a version or an event in newer files are
-- recomputed; a changed caller identity does not rewrite older tickets (full refresh does).
{%- if is_incremental() %}
{%- set watermark = file_watermark() %}
{%- set touched_sql = "select trim(ticket_id) from " ~ source('raw', 'tickets') ~ " where _file_id > " ~ watermark
    ~ " union all select trim(ticket_id) from " ~ source('raw', 'ticket_events') ~ " where _file_id > " ~ watermark %}
{%- set changed = changed_keys_filter('ticket_id', touched_sql) %}
{%- endif %}
with tickets as (
    select * from {{ ref('stg_raw__tickets') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
),

lifecycle as (
    select * from {{ ref('int_ticket_lifecycle') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
),

identity as (
    select * from {{ ref('int_phone_identity') }}
)

select
    tickets.ticket_id,
    tickets.created_at,
    cast(tickets.created_at as date) as created_date,
    tickets.channel,
    coalesce(tickets.customer_id, identity.customer_id) as customer_id,
    tickets.call_uniqueid,
    tickets.category,
    tickets.subcategory,
    tickets.category = 'complaint' as is_complaint,
    tickets.priority,
    tickets.center_id,
    tickets.agent_id,
    tickets.department,
    tickets.ticket_status as status,
    tickets.resolved_at,
    tickets.closed_at,
    {{ seconds_between('tickets.created_at', 'tickets.resolved_at') }} / 3600.0 as resolution_hours,
    coalesce(
        tickets.resolved_at <= {{ dbt.dateadd('hour', var('ticket_sla_hours'), 'tickets.created_at') }},
        false
    ) as resolved_within_24h,
    {{ seconds_between('tickets.created_at', 'lifecycle.first_assigned_at') }} / 3600.0 as hours_to_assign,
    coalesce(lifecycle.reopen_count, 0) as reopen_count,
    coalesce(lifecycle.handoff_count, 0) as handoff_count,
    coalesce(lifecycle.escalation_count, 0) as escalation_count,
    tickets.first_contact_resolved,
    tickets.satisfaction,
    tickets.ticket_status in ('open', 'assigned', 'in_progress', 'reopened') as is_open,
    greatest(tickets.source_file_id, coalesce(lifecycle.last_event_file_id, -1)) as last_source_file_id
from tickets
left join lifecycle
    on lifecycle.ticket_id = tickets.ticket_id
left join identity
    on identity.phone_e164 = tickets.caller_e164
    and tickets.customer_id is null
