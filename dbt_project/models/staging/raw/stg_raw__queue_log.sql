-- One row per queue_log line, site-local time, typed ids. 'NONE' means "no call/queue/agent".
with queue_log_lines as (
    select * from {{ source('raw', 'queue_log') }}
),

renamed as (
    select
        cast(epoch as bigint) as event_epoch,
        cast({{ epoch_to_local('epoch') }} as timestamp) as event_at,
        nullif(nullif(trim(callid), ''), 'NONE') as call_id,
        nullif(nullif(trim(queuename), ''), 'NONE') as queue,
        nullif(nullif(trim(agent), ''), 'NONE') as agent_member,
        upper(trim(event)) as event,
        nullif(trim(data1), '') as data1,
        nullif(trim(data2), '') as data2,
        nullif(trim(data3), '') as data3,
        nullif(trim(data4), '') as data4,
        nullif(trim(data5), '') as data5,
        _file_id as source_file_id,
        _line_no as source_line_no
    from queue_log_lines
)

select * from renamed
