{{
    config(
        materialized='incremental',
        unique_key='date'
    )
}}
-- Contract KPIs per queue and local date of the queue entry (plus `unknown`, so that
-- offered = answered + abandoned + timeout + exit_empty + exit_key + withdrawn + unknown).
-- Incremental: the dates of entries rewritten since this table's newest source file are
-- recomputed whole (an entry can move a date only with its call, whose entries are all
-- rewritten together, so every date it left is among them).
{{ queue_kpi_mart(
    [['calls.entered_date', 'date']],
    changed_dates_filter(ref('fct_queue_calls'), 'entered_date')
) }}
