{#-
  Data tests scoped to what an incremental run rewrote (dbt's documented way: a custom
  get_where_subquery). The runner (ccdw.warehouse.build) sets CCDW_TESTS_SINCE_FILE_ID to the
  newest landed file the last successful whole-project build had seen, on incremental
  whole-project builds only. A test's `where` may use two placeholders:

  * `__new_files__`, e.g. `last_source_file_id > __new_files__`: the rows from newer files.
    Sound for the delete+insert tables: a rewritten key replaces its old row, and rows no run
    rewrote were tested when they were written.
  * `__full_build__` (alone): tests on intermediate views, which recompute the whole view
    whatever the filter. They run on full builds; on an incremental run the same keys are
    tested on the fact rows that run rewrote (fct_calls.call_id for int_cdr_calls,
    fct_queue_calls.queue_call_id for int_queue_entries).

  On a full refresh, or when the variable is unset (a first build, a --select build, dbt run
  by hand), the placeholder's condition is dropped and the test reads the whole relation.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and ('__new_files__' in where or '__full_build__' in where) -%}
        {%- set since = env_var('CCDW_TESTS_SINCE_FILE_ID', '') | trim -%}
        {%- if flags.FULL_REFRESH or not since.isdigit() -%}
            {{ return(relation) }}
        {%- endif -%}
        {%- set where = where | replace('__new_files__', since) | replace('__full_build__', 'false') -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
