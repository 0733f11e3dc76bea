{#-
  Phone normalisation (input-formats.md "Phone numbers"): Chinese mobiles 13812345678,
  +8613812345678, 008613812345678; landlines 020-87654321, 02087654321; extensions
  020-87654321-8001, 02087654321 ext 8001 (the extension is kept apart). Result: E.164
  (+8613812345678, +862087654321) or NULL when the number cannot be normalised.
-#}

{#- The number without a trailing extension (-8001, ext 8001, x8001, #8001, 转8001). -#}
{% macro phone_without_extension(expr) -%}
    {{ ccdw.regexp_replace_all("lower(trim(" ~ expr ~ "))", '^(.*[0-9]{7,}.*?)(\\s*(ext\\.?|x|#|转)\\s*|-)([0-9]{1,6})$', '\\1') }}
{%- endmacro %}

{#- The extension alone, or NULL. -#}
{% macro phone_extension(expr) -%}
    nullif({{ ccdw.regexp_group("lower(trim(" ~ expr ~ "))", '^.*[0-9]{7,}.*?(\\s*(ext\\.?|x|#|转)\\s*|-)([0-9]{1,6})$', 3) }}, '')
{%- endmacro %}

{% macro normalize_phone_e164(expr) -%}
    {%- set main = phone_without_extension(expr) -%}
    {#- digits with a leading + kept: '+8613812345678', '008613812345678', '02087654321' -#}
    {%- set written = "(case when " ~ main ~ " like '+%' then '+' else '' end || " ~ ccdw.regexp_replace_all(main, '[^0-9]', '') ~ ")" -%}
    {#- the national part once an explicit +86 / 0086 prefix is dropped -#}
    {%- set national = ccdw.regexp_replace_all(written, '^(\\+86|0086)', '') -%}
    {%- set prefixed = "(" ~ written ~ " like '+86%' or " ~ written ~ " like '0086%')" %}
    case
        when {{ expr }} is null or trim({{ expr }}) = '' then null
        when {{ ccdw.regexp_like(national, '^(86)?1[3-9][0-9]{9}$') }}
            then '+86' || {{ dbt.right(national, 11) }}
        when {{ ccdw.regexp_like(national, '^0[1-9][0-9]{8,10}$') }}
            then '+86' || substr({{ national }}, 2)
        when {{ prefixed }} and {{ ccdw.regexp_like(national, '^(10|2[0-9]|[3-9][0-9]{2})[0-9]{7,8}$') }}
            then '+86' || {{ national }}
        when {{ written }} like '+%' and not {{ prefixed }} and {{ ccdw.regexp_like(written, '^\+[1-9][0-9]{7,14}$') }}
            then {{ written }}
    end
{%- endmacro %}

{#- Replace every match (DuckDB needs the 'g' flag; most engines replace all by default). -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'ccdw')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{#- The idx-th capture group of the first match, '' when there is none. -#}
{% macro regexp_group(expr, pattern, idx) -%}
    {{ return(adapter.dispatch('regexp_group', 'ccdw')(expr, pattern, idx)) }}
{%- endmacro %}

{% macro default__regexp_group(expr, pattern, idx) -%}
    coalesce(regexp_extract({{ expr }}, '{{ pattern }}', {{ idx }}), '')
{%- endmacro %}

{% macro regexp_like(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'ccdw')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_like(expr, pattern) -%}
    coalesce(regexp_full_match({{ expr }}, '{{ pattern }}'), false)
{%- endmacro %}

{% macro default__regexp_like(expr, pattern) -%}
    coalesce(({{ expr }}) rlike '{{ pattern }}', false)
{%- endmacro %}

{#- 13812345678 -> 138****5678 (national number; country code dropped). -#}
{% macro mask_phone(e164_expr) -%}
    case
        when {{ e164_expr }} is null then null
        when length({{ e164_expr }}) < 9 then '****'
        else
            substr(case when {{ e164_expr }} like '+86%' then substr({{ e164_expr }}, 4) else substr({{ e164_expr }}, 2) end, 1, 3)
            || '****' || {{ dbt.right(e164_expr, 4) }}
    end
{%- endmacro %}

{#- 440102199001011234 -> 4401**********1234 -#}
{% macro mask_id_number(expr) -%}
    case
        when {{ expr }} is null or trim({{ expr }}) = '' then null
        when length(trim({{ expr }})) = 18
            then substr(trim({{ expr }}), 1, 4) || '**********' || {{ dbt.right("trim(" ~ expr ~ ")", 4) }}
        else lpad('', cast(length(trim({{ expr }})) as integer), '*')
    end
{%- endmacro %}
