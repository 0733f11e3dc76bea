-- One row per queue entry with its outcome, wait, talk, agent and ring-no-answer count
-- (warehouse-contract "Contact-center KPIs"; queue_log data fields as Asterisk logs them).
-- (logic: macros/queue_entries.sql, shared with fct_queue_calls' incremental runs)
{{ queue_entries(ref('int_queue_events')) }}
