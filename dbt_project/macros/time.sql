{#- Time helpers. Marts hold naive site-local timestamps; these macros get them there. -#}

{#- Unix epoch seconds -> naive timestamp in the site time zone (var timezone). -#}
{% macro epoch_to_local(epoch_expr) -%}
    {{ return(adapter.dispatch('epoch_to_local', 'ccdw')(epoch_expr)) }}
{%- endmacro %}

{% macro duckdb__epoch_to_local(epoch_expr) -%}
    timezone('{{ var("timezone") }}', to_timestamp({{ epoch_expr }}))
{%- endmacro %}

{% macro default__epoch_to_local(epoch_expr) -%}
    convert_timezone('UTC', '{{ var("timezone") }}', to_timestamp({{ epoch_expr }}))
{%- endmacro %}

{#- A CDR time as written -> site-local: unchanged unless the PBX logs UTC (usegmtime). -#}
{% macro cdr_time_to_local(ts_expr) -%}
    {%- if var("cdr_usegmtime") | string | lower in ("true", "1", "yes") -%}
        {{ return(adapter.dispatch('utc_to_local', 'ccdw')(ts_expr)) }}
    {%- else -%}
        {{ ts_expr }}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__utc_to_local(ts_expr) -%}
    timezone('{{ var("timezone") }}', timezone('UTC', {{ ts_expr }}))
{%- endmacro %}

{% macro default__utc_to_local(ts_expr) -%}
    convert_timezone('UTC', '{{ var("timezone") }}', {{ ts_expr }})
{%- endmacro %}

{#- Start of the 30-minute interval holding ts. -#}
{% macro interval_30m_start(ts_expr) -%}
    {{ return(adapter.dispatch('interval_30m_start', 'ccdw')(ts_expr)) }}
{%- endmacro %}

{% macro duckdb__interval_30m_start(ts_expr) -%}
    time_bucket(interval 30 minute, {{ ts_expr }})
{%- endmacro %}

{% macro default__interval_30m_start(ts_expr) -%}
    {{ dbt.dateadd('minute', '30 * floor(extract(minute from ' ~ ts_expr ~ ') / 30)', dbt.date_trunc('hour', ts_expr)) }}
{%- endmacro %}

{#- Whole seconds from a to b. -#}
{% macro seconds_between(start_expr, end_expr) -%}
    {{ dbt.datediff(start_expr, end_expr, 'second') }}
{%- endmacro %}

{#- One row per day from start to end (inclusive), column named `date_day`. -#}
{% macro day_series(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('day_series', 'ccdw')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro duckdb__day_series(start_expr, end_expr) -%}
    select cast(generate_series as date) as date_day
    from generate_series(cast({{ start_expr }} as date), cast({{ end_expr }} as date), interval 1 day)
{%- endmacro %}

{% macro default__day_series(start_expr, end_expr) -%}
    select explode(sequence(cast({{ start_expr }} as date), cast({{ end_expr }} as date))) as date_day
{%- endmacro %}

{#- Integers 0..n-1, column `n`. -#}
{% macro int_series(count) -%}
    {{ return(adapter.dispatch('int_series', 'ccdw')(count)) }}
{%- endmacro %}

{% macro duckdb__int_series(count) -%}
    select cast(range as integer) as n from range({{ count }})
{%- endmacro %}

{% macro default__int_series(count) -%}
    select explode(sequence(0, {{ count }} - 1)) as n
{%- endmacro %}
