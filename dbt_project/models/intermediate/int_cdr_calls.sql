-- One row per call: the CDR legs sharing a linkedid (or the uniqueid where no linkedid).
-- (logic: macros/cdr_calls.sql, shared with fct_calls' incremental runs)
{{ cdr_calls(ref('stg_raw__cdr')) }}
