{{
    config(
        materialized='incremental',
        unique_key='date'
    )
}}
-- Queue KPIs rolled up through the center hierarchy: each entry counts for its queue's
-- center and every ancestor (county -> city -> province), one row per center and date.
-- Incremental like agg_queue_daily: the affected dates are recomputed whole.
{%- set calls_filter = changed_dates_filter(ref('fct_queue_calls'), 'entered_date') %}
with calls as (
    select * from {{ ref('fct_queue_calls') }}
    {%- if calls_filter %}
    where {{ calls_filter }}
    {%- endif %}
),

queues as (
    select * from {{ ref('dim_queue') }}
),

centers as (
    select * from {{ ref('dim_center') }}
),

rollup_paths as (
    select center_id as leaf_center_id, province_id as rollup_center_id, 'province' as rollup_level
    from centers where province_id is not null
    union all
    select center_id, city_id, 'city' from centers where city_id is not null
    union all
    select center_id, county_id, 'county' from centers where county_id is not null
)

select
    rollup_paths.rollup_center_id as center_id,
    rollup_paths.rollup_level as level,
    calls.entered_date as date,
    {{ queue_kpi_measures() }},
    max(calls.last_source_file_id) as last_source_file_id
from calls
inner join queues
    on queues.queue = calls.queue
inner join rollup_paths
    on rollup_paths.leaf_center_id = queues.center_id
group by rollup_paths.rollup_center_id, rollup_paths.rollup_level, calls.entered_date
