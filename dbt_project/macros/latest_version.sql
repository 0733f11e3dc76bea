{#-
  Latest-wins (warehouse-contract "Record identity and latest-wins"): raw keeps every version;
  staging keeps rank 1 of this ordering per record key: updated_at desc (where the feed has
  it), then the file's arrival (file_mtime desc, then path desc), then the line desc.
  `rel` must expose the raw columns plus _file_mtime and _file_path (see with_arrival).
-#}
{% macro version_rank(key_columns, version_column=none) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by
            {% if version_column %}{{ version_column }} desc nulls last,{% endif %}
            _file_mtime desc nulls last,
            _file_path desc nulls last,
            _line_no desc
    )
{%- endmacro %}

{#- Raw rows of a feed with their file's arrival (mtime, path) from raw.ingest_files. -#}
{% macro with_arrival(feed) -%}
    select
        feed_rows.*,
        files.file_mtime as _file_mtime,
        files.path as _file_path
    from {{ source('raw', feed) }} as feed_rows
    left join {{ source('raw', 'ingest_files') }} as files
        on files.file_id = feed_rows._file_id
{%- endmacro %}
