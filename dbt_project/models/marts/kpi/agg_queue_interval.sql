{{
    config(
        materialized='incremental',
        unique_key='date'
    )
}}
-- Contract KPIs per queue and 30-minute interval (local) of the queue entry. Incremental
-- like agg_queue_daily: the affected dates are recomputed whole.
{{ queue_kpi_mart(
    [['calls.entered_date', 'date'], ['calls.interval_start', 'interval_start']],
    changed_dates_filter(ref('fct_queue_calls'), 'entered_date')
) }}
