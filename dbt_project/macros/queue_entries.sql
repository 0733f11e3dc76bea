{#-
  Queue entries from queue_log, shared by the intermediate views (over all of staging) and
  fct_queue_calls' incremental runs (over the events of the calls they recompute). Every
  window partitions by call (call_id, queue), so the entries of a call depend only on that
  call's events: any event set holding all events of some calls gives those calls exactly.
-#}

{#-
  Call-level queue_log events, each assigned to its queue entry: an entry starts at an
  ENTERQUEUE and holds that call's later events in the same queue until its next ENTERQUEUE
  there (a transfer into another queue is a new entry in that queue, same call_id).
  Events before any ENTERQUEUE of their call/queue (log cut mid-call) belong to no entry.
  `queue_log`: a relation or parenthesised subquery with stg_raw__queue_log's columns.
-#}
{% macro queue_entry_events(queue_log) -%}
with queue_log as (
    select * from {{ queue_log }}
),

call_events as (
    select
        call_id,
        queue,
        agent_member,
        event,
        event_epoch,
        event_at,
        data1,
        data2,
        data3,
        data4,
        data5,
        source_file_id,
        source_line_no
    from queue_log
    where call_id is not null
        and queue is not null
        and event in (
            'ENTERQUEUE', 'CONNECT', 'COMPLETECALLER', 'COMPLETEAGENT', 'ABANDON',
            'EXITWITHTIMEOUT', 'EXITWITHKEY', 'EXITEMPTY', 'WITHDRAW', 'RINGNOANSWER',
            'RINGCANCELED', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER'
        )
),

numbered as (
    select
        *,
        cast(sum(case when event = 'ENTERQUEUE' then 1 else 0 end) over (
            partition by call_id, queue
            order by event_epoch, source_file_id, source_line_no
            rows between unbounded preceding and current row
        ) as integer) as entry_no
    from call_events
)

select
    call_id || '|' || queue || '|' || cast(entry_no as varchar) as queue_call_id,
    *
from numbered
where entry_no > 0
{%- endmacro %}

{#-
  One row per queue entry with its outcome, wait, talk, agent and ring-no-answer count
  (warehouse-contract "Contact-center KPIs"; queue_log data fields as Asterisk logs them).
  `queue_events`: a relation or parenthesised subquery with int_queue_events' columns.
-#}
{% macro queue_entries(queue_events) -%}
with queue_events as (
    select * from {{ queue_events }}
),

entered as (
    select
        queue_call_id,
        call_id,
        queue,
        entry_no,
        event_at as entered_at,
        nullif(data2, '') as caller_number
    from queue_events
    where event = 'ENTERQUEUE'
),

terminal_events as (
    select
        queue_call_id,
        event,
        agent_member,
        case event
            when 'CONNECT' then 'answered'
            when 'ABANDON' then 'abandoned'
            when 'EXITWITHTIMEOUT' then 'timeout'
            when 'EXITEMPTY' then 'exit_empty'
            when 'EXITWITHKEY' then 'exit_key'
            when 'WITHDRAW' then 'withdrawn'
        end as outcome,
        -- CONNECT(holdtime|bridged|ringtime); ABANDON/EXITWITHTIMEOUT/EXITEMPTY/WITHDRAW
        -- (position|origposition|waittime); EXITWITHKEY(key|position|origposition|waittime)
        case event
            when 'CONNECT' then {{ dbt.safe_cast('data1', api.Column.translate_type('integer')) }}
            when 'EXITWITHKEY' then {{ dbt.safe_cast('data4', api.Column.translate_type('integer')) }}
            else {{ dbt.safe_cast('data3', api.Column.translate_type('integer')) }}
        end as wait_seconds,
        row_number() over (
            partition by queue_call_id
            order by event_epoch, source_file_id, source_line_no
        ) as terminal_rank
    from queue_events
    where event in ('CONNECT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY', 'WITHDRAW')
),

first_terminal as (
    select * from terminal_events where terminal_rank = 1
),

completions as (
    -- talk = calltime: COMPLETE*(holdtime|calltime|origposition),
    -- TRANSFER/BLINDTRANSFER(exten|context|holdtime|calltime|origposition),
    -- ATTENDEDTRANSFER(method|method-data|holdtime|calltime|..), LINK has two method-data fields
    select
        queue_call_id,
        max(
            case
                when event in ('COMPLETECALLER', 'COMPLETEAGENT')
                    then {{ dbt.safe_cast('data2', api.Column.translate_type('integer')) }}
                when event in ('TRANSFER', 'BLINDTRANSFER')
                    then {{ dbt.safe_cast('data4', api.Column.translate_type('integer')) }}
                when event = 'ATTENDEDTRANSFER' and upper(data1) = 'LINK'
                    then {{ dbt.safe_cast('data5', api.Column.translate_type('integer')) }}
                when event = 'ATTENDEDTRANSFER'
                    then {{ dbt.safe_cast('data4', api.Column.translate_type('integer')) }}
            end
        ) as talk_seconds,
        max(case when event in ('TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER') then 1 else 0 end) = 1 as transferred,
        cast(sum(case when event = 'RINGNOANSWER' then 1 else 0 end) as integer) as ring_no_answer_count,
        max(source_file_id) as last_source_file_id
    from queue_events
    group by queue_call_id
),

entries as (
    select
        entered.queue_call_id,
        entered.call_id,
        entered.queue,
        entered.entry_no,
        entered.entered_at,
        entered.caller_number,
        coalesce(first_terminal.outcome, 'unknown') as outcome,
        first_terminal.wait_seconds,
        case when first_terminal.outcome = 'answered' then completions.talk_seconds end as talk_seconds,
        case when first_terminal.outcome = 'answered' then first_terminal.agent_member end as agent_member,
        completions.ring_no_answer_count,
        completions.transferred,
        completions.last_source_file_id
    from entered
    left join first_terminal
        on first_terminal.queue_call_id = entered.queue_call_id
    left join completions
        on completions.queue_call_id = entered.queue_call_id
)

select * from entries
{%- endmacro %}

{#-
  For an incremental run: the predicate on stg_raw__queue_log rows that selects every event
  of the calls having lines in files newer than `watermark` (late lines of an old call
  included). The epoch bound (those calls' first event, found now and written as a literal)
  lets the scan skip the older rows; the call filter alone would read the whole log.
-#}
{% macro queue_log_calls_since(watermark) -%}
    {%- set new_calls -%}
        select distinct call_id from {{ ref('stg_raw__queue_log') }}
        where source_file_id > {{ watermark }} and call_id is not null
    {%- endset -%}
    {%- set first_epoch = scalar_now(
        'select min(event_epoch) from ' ~ ref('stg_raw__queue_log') ~ ' where call_id in (' ~ new_calls ~ ')', -1
    ) -%}
    event_epoch >= {{ first_epoch }} and call_id in ({{ new_calls }})
{%- endmacro %}
