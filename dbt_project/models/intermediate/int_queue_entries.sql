-- One row per queue entry with its outcome, wait, talk, agent and ring-no-answer count
-- (warehouse-contract "Contact-center KPIs"; queue_log data fields as Asterisk logs them).
with queue_events as (
    select * from {{ ref('int_queue_events') }}
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
