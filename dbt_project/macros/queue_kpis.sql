{#-
  The contact-center KPI measures of warehouse-contract "Contact-center KPIs", over rows of
  fct_queue_calls (alias `calls`) joined to dim_queue (alias `queues`, for the queue's
  service_level_seconds). Rates with a zero denominator are NULL; rates are fractions.
-#}
{% macro queue_kpi_measures(calls='calls', queues='queues') -%}
    {%- set short = var('short_abandon_seconds') | int -%}
    {%- set within_sl -%}
        sum(case when {{ calls }}.outcome = 'answered'
            and {{ calls }}.wait_seconds <= coalesce({{ queues }}.service_level_seconds, {{ var('default_service_level_seconds') }})
            then 1 else 0 end)
    {%- endset -%}
    {%- set short_abandoned -%}
        sum(case when {{ calls }}.outcome = 'abandoned' and {{ calls }}.wait_seconds < {{ short }} then 1 else 0 end)
    {%- endset -%}
    cast(count(*) as bigint) as offered,
    cast(sum(case when {{ calls }}.outcome = 'answered' then 1 else 0 end) as bigint) as answered,
    cast(sum(case when {{ calls }}.outcome = 'abandoned' then 1 else 0 end) as bigint) as abandoned,
    cast({{ short_abandoned }} as bigint) as short_abandoned,
    cast(sum(case when {{ calls }}.outcome = 'timeout' then 1 else 0 end) as bigint) as timeout,
    cast(sum(case when {{ calls }}.outcome = 'exit_empty' then 1 else 0 end) as bigint) as exit_empty,
    cast(sum(case when {{ calls }}.outcome = 'exit_key' then 1 else 0 end) as bigint) as exit_key,
    cast(sum(case when {{ calls }}.outcome = 'withdrawn' then 1 else 0 end) as bigint) as withdrawn,
    cast(sum(case when {{ calls }}.outcome = 'unknown' then 1 else 0 end) as bigint) as unknown,
    cast({{ within_sl }} as bigint) as answered_within_sl,
    {{ within_sl }} * 1.0 / nullif(count(*) - {{ short_abandoned }}, 0) as service_level,
    {{ within_sl }} * 1.0 / nullif(sum(case when {{ calls }}.outcome = 'answered' then 1 else 0 end), 0) as asterisk_service_level,
    avg(case when {{ calls }}.outcome = 'answered' then {{ calls }}.wait_seconds * 1.0 end) as asa_seconds,
    sum(case when {{ calls }}.outcome = 'abandoned' then 1 else 0 end) * 1.0 / nullif(count(*), 0) as abandon_rate,
    avg(case when {{ calls }}.outcome = 'answered' then {{ calls }}.talk_seconds * 1.0 end) as aht_seconds,
    max({{ calls }}.wait_seconds) as max_wait_seconds
{%- endmacro %}

{#- The measure columns, in contract order (for selects over an aggregate CTE). -#}
{% macro queue_kpi_columns(prefix='') -%}
    {%- set cols = ['offered', 'answered', 'abandoned', 'short_abandoned', 'timeout', 'exit_empty',
        'exit_key', 'withdrawn', 'answered_within_sl', 'service_level', 'asterisk_service_level',
        'asa_seconds', 'abandon_rate', 'aht_seconds', 'max_wait_seconds'] -%}
    {{ return(cols) }}
{%- endmacro %}

{#-
  One queue KPI mart: the measures per queue, the given grain over fct_queue_calls (aliased
  `calls`) and the queue's center, plus `last_source_file_id` (the newest landed file behind
  the row; the incremental watermark). `grain` is a list of [expression, alias] pairs;
  `calls_filter`, when given, restricts the entries read (an incremental run's dates).
-#}
{% macro queue_kpi_mart(grain, calls_filter=none) -%}
with calls as (
    select * from {{ ref('fct_queue_calls') }}
    {%- if calls_filter %}
    where {{ calls_filter }}
    {%- endif %}
),

queues as (
    select * from {{ ref('dim_queue') }}
)

select
    calls.queue,
    {%- for expression, alias in grain %}
    {{ expression }} as {{ alias }},
    {%- endfor %}
    queues.center_id,
    {{ queue_kpi_measures() }},
    max(calls.last_source_file_id) as last_source_file_id
from calls
left join queues
    on queues.queue = calls.queue
group by calls.queue, {% for expression, alias in grain %}{{ expression }}, {% endfor %}queues.center_id
{%- endmacro %}
