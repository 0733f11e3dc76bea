-- RESTRICTED: the unmasked caller number of each queue entry (campaigns' callbacks only).
with queue_log_callers as (
    select * from {{ ref('int_queue_entries') }}
)

select
    queue_call_id,
    call_id,
    {{ normalize_phone_e164('caller_number') }} as caller_e164
from queue_log_callers
