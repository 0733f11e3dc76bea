{#-
  Incremental helpers. Landed files have monotonic ids (raw.ingest_files.file_id). An
  incremental model's watermark is the newest file it has already consumed, read from its own
  table (max of its lineage column), so a failed run leaves the watermark where it was and the
  next run redoes the work. What a run recomputes is decided from the rows of newer files; the
  values found (dates, epoch bounds) are rendered into the model's SQL as literals, because
  DuckDB pushes a constant filter into a scan (and below window functions) but not a semi-join.
-#}

{#-
  The newest source file id already in this model's table: -1 when it is empty or has no such
  column yet (a table from before the model was incremental: every row is then recomputed).
-#}
{% macro file_watermark(column='last_source_file_id') -%}
    {%- if not execute -%}
        {{ return(-1) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if column | lower not in names -%}
        {{ return(-1) }}
    {%- endif -%}
    {%- set result = run_query('select coalesce(max(' ~ column ~ '), -1) from ' ~ this) -%}
    {{ return(result.columns[0].values()[0] | int) }}
{%- endmacro %}

{#- One value computed now by `sql` (a single-column, single-row query), or `default`. -#}
{% macro scalar_now(sql, default=none) -%}
    {%- if not execute -%}
        {{ return(default) }}
    {%- endif -%}
    {%- set value = run_query(sql).columns[0].values()[0] -%}
    {{ return(default if value is none else value) }}
{%- endmacro %}

{#- The distinct dates `sql` returns (single date column), computed now, in order. -#}
{% macro dates_now(sql) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set dates = [] -%}
    {%- for value in run_query('select distinct * from (' ~ sql ~ ') as found order by 1').columns[0].values() -%}
        {%- if value is not none -%}
            {%- do dates.append(value | string) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(dates) }}
{%- endmacro %}

{#- `column in (date literals)`; false when there are none (nothing to recompute). -#}
{% macro in_dates(column, dates) -%}
    {%- if dates | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for day in dates %}cast('{{ day }}' as date){{ ', ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#-
  On an incremental run, `date_column in (...)`: the dates of `relation`'s rows written from
  files newer than this model's watermark (its own max `file_column`). None on a full build.
-#}
{% macro changed_dates_filter(relation, date_column, file_column='last_source_file_id') -%}
    {%- if not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set dates = dates_now(
        'select ' ~ date_column ~ ' from ' ~ relation ~ ' where ' ~ file_column ~ ' > ' ~ file_watermark(file_column)
    ) -%}
    {{ return(in_dates(date_column, dates)) }}
{%- endmacro %}

{#-
  `column between 'lo' and 'hi'`: the range of the keys `sql` returns (one text column),
  found now; false when it returns none. A constant range on a latest-wins staging view's key
  is pushed below its window into the raw scan, where a semi-join on the same keys is not.
-#}
{% macro key_range_now(column, sql) -%}
    {%- if not execute -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set bounds = run_query('select min(found_key), max(found_key) from (' ~ sql ~ ') as found(found_key)') -%}
    {%- set lo, hi = bounds.rows[0][0], bounds.rows[0][1] -%}
    {%- if lo is none -%}
        {{ return('false') }}
    {%- endif -%}
    {{ return(column ~ " between '" ~ (lo | string | replace("'", "''")) ~ "' and '" ~ (hi | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{#-
  The keys `sql` (one column) returns, computed now, as a rendered list of quoted literals;
  '' when it returns none, none when there are more than `limit` (default: var key_list_limit;
  binding a long literal list costs more than it saves: ~25 µs a key). Aggregated in the database: one value crosses into
  Jinja.
-#}
{% macro keys_now(sql, limit=none) -%}
    {%- set limit = (var('key_list_limit', 50000) if limit is none else limit) | int -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        "select count(*), string_agg('''' || replace(found_key, '''', '''''') || '''', ', ' order by found_key)"
        ~ " from (select distinct cast(found_key as varchar) as found_key from (" ~ sql ~ ") as keyed(found_key)"
        ~ " where found_key is not null) as found"
    ).rows[0] -%}
    {%- if found[0] > limit -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(found[1] or '') }}
{%- endmacro %}

{#-
  `column in (keys)` for keys from keys_now: false when there are none, true when there were
  too many to list (none).
-#}
{% macro in_keys(column, keys) -%}
    {%- if keys is none -%}
        true
    {%- elif keys == '' -%}
        false
    {%- else -%}
        {{ column }} in ({{ keys }})
    {%- endif -%}
{%- endmacro %}

{#-
  The filter an incremental model puts on its input: `column` among the keys `sql` (one
  column) returns, computed now. Up to key_list_limit keys as a literal list, which is pushed
  below a latest-wins view's window into the raw scan; more as a semi-join on `sql`, which
  computes the view whole and narrows it before the join, the sort and the write.
-#}
{% macro changed_keys_filter(column, sql) -%}
    {%- set keys = keys_now(sql) -%}
    {%- if keys is none -%}
        {{ return(column ~ ' in (select found_key from (' ~ sql ~ ') as keyed(found_key))') }}
    {%- endif -%}
    {{ return(in_keys(column, keys)) }}
{%- endmacro %}

{#- The newest landed file of `feeds` (raw.ingest_files), computed now; -1 when none. -#}
{% macro newest_file_now(feeds) -%}
    {{ return(scalar_now(
        "select max(file_id) from " ~ source('raw', 'ingest_files') ~ " where feed in ('"
        ~ feeds | join("', '") ~ "')", -1) | int) }}
{%- endmacro %}
