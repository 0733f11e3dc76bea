{{
    config(
        materialized='incremental',
        unique_key='queue_call_id'
    )
}}
-- RESTRICTED: the unmasked caller number of each queue entry (campaigns' callbacks only).
-- Entry n of a call in a queue is its n-th ENTERQUEUE there (as in int_queue_events); only
-- ENTERQUEUE lines are numbered here, which keeps this table cheap to rebuild.
-- Incremental like fct_queue_calls: the calls with lines in new files, from all their lines
-- (`source_file_id`: the file of the entry's ENTERQUEUE line, the watermark).
with enterqueue as (
    select
        call_id,
        queue,
        data2 as caller_number,
        source_file_id,
        row_number() over (
            partition by call_id, queue
            order by event_epoch, source_file_id, source_line_no
        ) as entry_no
    from {{ ref('stg_raw__queue_log') }}
    where event = 'ENTERQUEUE'
        and call_id is not null
        and queue is not null
        {%- if is_incremental() %}
        and {{ queue_log_calls_since(file_watermark('source_file_id')) }}
        {%- endif %}
)

select
    call_id || '|' || queue || '|' || cast(entry_no as varchar) as queue_call_id,
    call_id,
    {{ normalize_phone_e164('caller_number') }} as caller_e164,
    source_file_id
from enterqueue
