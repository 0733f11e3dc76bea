{#-
  int_phone_identity's incremental work: the numbers whose owner may have changed — every
  number claimed now by a customer rewritten in int_customers_current since the identity's
  watermark, and every number such a customer owned before. Rendered as a literal list
  (keys_now), computed before the pre-hook deletes them, so model and hook agree.
-#}
{% macro reclaimed_phones() -%}
    {%- set watermark = file_watermark() -%}
    {%- set changed = "select customer_id from " ~ ref('int_customers_current') ~ " where last_source_file_id > " ~ watermark -%}
    {{ return(keys_now(
        "select phone_e164 from " ~ ref('int_customers_current') ~ " where last_source_file_id > " ~ watermark
        ~ " union all select phone2_e164 from " ~ ref('int_customers_current') ~ " where last_source_file_id > " ~ watermark
        ~ " union all select phone_e164 from " ~ this ~ " where customer_id in (" ~ changed ~ ")"
    )) }}
{%- endmacro %}

{% macro delete_reclaimed_phones() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_keys('phone_e164', reclaimed_phones()) }}
    {%- endif -%}
{%- endmacro %}
