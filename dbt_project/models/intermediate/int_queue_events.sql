-- Call-level queue_log events, each assigned to its queue entry: an entry starts at an
-- ENTERQUEUE and holds that call's later events in the same queue until its next ENTERQUEUE
-- there (a transfer into another queue is a new entry in that queue, same call_id).
-- Events before any ENTERQUEUE of their call/queue (log cut mid-call) belong to no entry.
with queue_log as (
    select * from {{ ref('stg_raw__queue_log') }}
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
