{{
    config(
        materialized='incremental',
        unique_key='date_day',
        pre_hook="{{ delete_agent_state_dates() }}"
    )
}}
-- Agent login / pause intervals from queue_log, one row per state piece within a local date.
-- `last_source_file_id`: the newest queue_log file when the row was computed (the watermark).
-- Incremental: every date from the first one new lines can change (macros/agent_states.sql)
-- is recomputed; the pre-hook clears those dates first, so a date left without any piece
-- (a late logoff) is emptied too.
{%- set from_date = agent_states_from_date(file_watermark()) if is_incremental() else none %}
with segments as (
    {%- if is_incremental() %}
    {%- if from_date is none %}
    select * from {{ ref('int_agent_state_segments') }} where false
    {%- else %}
    select * from ({{ agent_state_pieces(ref('stg_raw__queue_log'), from_date) }}) as new_pieces
    {%- endif %}
    {%- else %}
    select * from {{ ref('int_agent_state_segments') }}
    {%- endif %}
),

agent_members as (
    select * from {{ ref('int_agent_members') }}
),

newest_file as (
    select max(source_file_id) as last_source_file_id from {{ ref('stg_raw__queue_log') }}
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
    segments.seconds,
    newest_file.last_source_file_id
from segments
cross join newest_file
left join agent_members
    on agent_members.agent_member = segments.agent_member
