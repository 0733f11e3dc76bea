{{
    config(
        materialized='incremental',
        unique_key='policy_id'
    )
}}
-- Premium schedule with payments; overdue relative to the data's as-of date.
-- `last_source_file_id`: the newest file among the premium's latest row and its policy's (the
-- max is the watermark). Incremental by policy: policies with premium rows or a version in
-- newer files, and policies with an unpaid premium already past due, whose overdue days grow
-- with the as-of date (a due premium becomes overdue once the as-of date passes it).
{%- if is_incremental() %}
{%- set watermark = file_watermark() %}
{%- set as_of = scalar_now("select as_of_date from " ~ ref('int_data_horizon')) %}
{%- set touched_sql = "select trim(policy_id) from " ~ source('raw', 'premiums') ~ " where _file_id > " ~ watermark
    ~ " union all select trim(policy_id) from " ~ source('raw', 'policies') ~ " where _file_id > " ~ watermark
    ~ " union all select policy_id from " ~ this ~ " where not is_paid and due_date < cast('" ~ as_of ~ "' as date)" %}
{%- set changed = changed_keys_filter('policy_id', touched_sql) %}
{%- endif %}
with premiums as (
    select * from {{ ref('stg_raw__premiums') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
),

policies as (
    select policy_id, customer_id, source_file_id from {{ ref('stg_raw__policies') }}
    {%- if is_incremental() %}
    where {{ changed }}
    {%- endif %}
),

horizon as (
    select * from {{ ref('int_data_horizon') }}
),

measured as (
    select
        premiums.policy_id,
        policies.customer_id,
        premiums.due_date,
        premiums.amount_due,
        premiums.paid_at,
        premiums.amount_paid,
        premiums.paid_at is not null as is_paid,
        greatest(
            0,
            {{ dbt.datediff('premiums.due_date', 'coalesce(cast(premiums.paid_at as date), horizon.as_of_date)', 'day') }}
        ) as overdue_days,
        horizon.as_of_date,
        greatest(premiums.source_file_id, coalesce(policies.source_file_id, -1)) as last_source_file_id
    from premiums
    left join policies on policies.policy_id = premiums.policy_id
    cross join horizon
)

select
    policy_id,
    customer_id,
    due_date,
    amount_due,
    paid_at,
    amount_paid,
    is_paid,
    overdue_days,
    case
        when is_paid then 'paid'
        when due_date < as_of_date then 'overdue'
        else 'due'
    end as premium_status,
    last_source_file_id
from measured
