-- depends_on: {{ ref('stg_raw__queue_log') }}
{{
    config(
        materialized='incremental',
        unique_key='queue_call_id',
        on_schema_change='fail'
    )
}}
-- One row per queue entry (warehouse-contract). Incremental: a run recomputes every entry
-- of each call that has queue_log lines in files landed after the last run (so an entry
-- split over two files, or a late file's lines of an old call, end up as a full refresh
-- makes them), from all of that call's lines, and replaces those rows.
with entries as (
    {%- if is_incremental() %}
    {%- set scoped_log = '(select * from ' ~ ref('stg_raw__queue_log') ~ ' where '
        ~ queue_log_calls_since(file_watermark()) ~ ') as scoped_log' %}
    select * from (
        {{ queue_entries('(' ~ queue_entry_events(scoped_log) ~ ') as scoped_events') }}
    ) as scoped_entries
    {%- else %}
    select * from {{ ref('int_queue_entries') }}
    {%- endif %}
),

queues as (
    select * from {{ ref('dim_queue') }}
),

agent_members as (
    select * from {{ ref('int_agent_members') }}
),

identity as (
    select * from {{ ref('int_phone_identity') }}
),

with_caller as (
    select
        entries.*,
        {{ normalize_phone_e164('entries.caller_number') }} as caller_e164
    from entries
)

select
    with_caller.queue_call_id,
    with_caller.call_id,
    with_caller.queue,
    queues.center_id,
    with_caller.entered_at,
    cast(with_caller.entered_at as date) as entered_date,
    {{ interval_30m_start('with_caller.entered_at') }} as interval_start,
    with_caller.entry_no,
    with_caller.outcome,
    with_caller.wait_seconds,
    with_caller.talk_seconds,
    coalesce(agent_members.agent_id, with_caller.agent_member) as agent_id,
    with_caller.agent_member,
    coalesce(with_caller.ring_no_answer_count, 0) as ring_no_answer_count,
    coalesce(with_caller.transferred, false) as transferred,
    identity.customer_id,
    {{ mask_phone('with_caller.caller_e164') }} as caller_number_masked,
    with_caller.last_source_file_id
from with_caller
left join queues
    on queues.queue = with_caller.queue
left join agent_members
    on agent_members.agent_member = with_caller.agent_member
left join identity
    on identity.phone_e164 = with_caller.caller_e164
