-- Call-level queue_log events, each assigned to its queue entry: an entry starts at an
-- ENTERQUEUE and holds that call's later events in the same queue until its next ENTERQUEUE
-- there (a transfer into another queue is a new entry in that queue, same call_id).
-- Events before any ENTERQUEUE of their call/queue (log cut mid-call) belong to no entry.
-- (logic: macros/queue_entries.sql, shared with fct_queue_calls' incremental runs)
{{ queue_entry_events(ref('stg_raw__queue_log')) }}
