{{
    config(
        materialized='incremental',
        unique_key='date'
    )
}}
-- Per agent and local date: calls answered (dated by the queue entry they answered), talk,
-- ring-no-answers, transfers, and login / pause / after-call-work time from queue_log.
-- Incremental: the dates of queue entries and agent-state pieces rewritten since this
-- table's newest source file are recomputed whole.
{%- set dates = none %}
{%- if is_incremental() %}
    {%- set watermark = file_watermark() %}
    {%- set dates = dates_now(
        'select entered_date from ' ~ ref('fct_queue_calls') ~ ' where last_source_file_id > ' ~ watermark
        ~ ' union all select date_day from ' ~ ref('fct_agent_states') ~ ' where last_source_file_id > ' ~ watermark
    ) %}
{%- endif %}
with calls as (
    select * from {{ ref('fct_queue_calls') }}
    {%- if dates is not none %}
    where {{ in_dates('entered_date', dates) }}
    {%- endif %}
),

call_entries as (
    -- every entry of those calls: a ring-no-answer belongs to the call's latest entry at or
    -- before it, which a date filter alone could cut off
    select * from {{ ref('fct_queue_calls') }}
    {%- if dates is not none %}
    where call_id in (select call_id from calls)
    {%- endif %}
),

ring_events as (
    select call_id, queue, agent_member, event_at, source_file_id, source_line_no
    from {{ ref('stg_raw__queue_log') }}
    where event = 'RINGNOANSWER'
        and call_id is not null
        and queue is not null
        and agent_member is not null
),

agent_members as (
    select * from {{ ref('int_agent_members') }}
),

states as (
    select * from {{ ref('fct_agent_states') }}
    {%- if dates is not none %}
    where {{ in_dates('date_day', dates) }}
    {%- endif %}
),

handled as (
    select
        agent_id,
        entered_date as date,
        count(*) as calls_handled,
        cast(coalesce(sum(talk_seconds), 0) as bigint) as talk_seconds,
        avg(talk_seconds * 1.0) as aht_seconds,
        cast(sum(case when transferred then 1 else 0 end) as bigint) as transfers
    from calls
    where outcome = 'answered'
    group by agent_id, entered_date
),

ring_entries as (
    -- each RINGNOANSWER belongs to the latest entry of its call into that queue at or before it
    select
        coalesce(agent_members.agent_id, ring_events.agent_member) as agent_id,
        calls.entered_date,
        row_number() over (
            partition by ring_events.source_file_id, ring_events.source_line_no
            order by calls.entered_at desc, calls.entry_no desc
        ) as nearest
    from ring_events
    inner join call_entries as calls
        on calls.call_id = ring_events.call_id
        and calls.queue = ring_events.queue
        and calls.entered_at <= ring_events.event_at
    left join agent_members
        on agent_members.agent_member = ring_events.agent_member
),

ring_no_answer as (
    select agent_id, entered_date as date, count(*) as ring_no_answer
    from ring_entries
    where nearest = 1
        {%- if dates is not none %}
        and {{ in_dates('entered_date', dates) }}
        {%- endif %}
    group by agent_id, entered_date
),

presence as (
    select
        agent_id,
        date_day as date,
        cast(sum(seconds) as bigint) as logged_in_seconds,
        cast(sum(case when state = 'paused' then seconds else 0 end) as bigint) as paused_seconds,
        cast(sum(case when is_after_call_work then seconds else 0 end) as bigint) as acw_seconds
    from states
    group by agent_id, date_day
),

newest_file as (
    -- the newest source file behind the inputs (the incremental watermark)
    select greatest(
        coalesce((select max(last_source_file_id) from {{ ref('fct_queue_calls') }}), -1),
        coalesce((select max(last_source_file_id) from {{ ref('fct_agent_states') }}), -1)
    ) as last_source_file_id
),

agent_days as (
    select agent_id, date from handled
    union
    select agent_id, date from ring_no_answer
    union
    select agent_id, date from presence
)

select
    agent_days.agent_id,
    agent_days.date,
    coalesce(handled.calls_handled, 0) as calls_handled,
    coalesce(handled.talk_seconds, 0) as talk_seconds,
    handled.aht_seconds,
    coalesce(ring_no_answer.ring_no_answer, 0) as ring_no_answer,
    coalesce(handled.transfers, 0) as transfers,
    coalesce(presence.logged_in_seconds, 0) as logged_in_seconds,
    coalesce(presence.paused_seconds, 0) as paused_seconds,
    coalesce(handled.talk_seconds, 0) * 1.0
        / nullif(coalesce(presence.logged_in_seconds, 0) - coalesce(presence.paused_seconds, 0), 0) as occupancy,
    coalesce(presence.acw_seconds, 0) as acw_seconds,
    newest_file.last_source_file_id
from agent_days
cross join newest_file
left join handled
    on handled.agent_id = agent_days.agent_id and handled.date = agent_days.date
left join ring_no_answer
    on ring_no_answer.agent_id = agent_days.agent_id and ring_no_answer.date = agent_days.date
left join presence
    on presence.agent_id = agent_days.agent_id and presence.date = agent_days.date
