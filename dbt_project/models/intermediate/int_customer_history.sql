-- SCD2 versions of customers: a new version whenever phone, RM or address (province, city)
-- changes; other corrections update the version in place (the latest value wins).
-- `last_source_file_id`: the newest landed file holding any version of the customer.
with versions as (
    select * from {{ ref('base_raw__customer_versions') }}
),

ordered as (
    select
        *,
        coalesce(phone_e164, '') || '|' || coalesce(rm_id, '') || '|'
            || coalesce(province, '') || '|' || coalesce(city, '') as tracked_state,
        row_number() over (partition by customer_id order by version_rank_desc desc) as version_seq,
        -- lineage: the newest file holding any version of the customer
        max(source_file_id) over (partition by customer_id) as last_source_file_id
    from versions
),

changes as (
    select
        *,
        case
            when lag(tracked_state) over (partition by customer_id order by version_seq) = tracked_state then 0
            else 1
        end as starts_version
    from ordered
),

grouped as (
    select
        *,
        sum(starts_version) over (
            partition by customer_id order by version_seq rows between unbounded preceding and current row
        ) as version_no
    from changes
),

-- Windows partitioned by customer only (no self-join), so a filter on customer_id - an
-- incremental dim_customer's changed customers - reaches the raw scan below every window.
versioned as (
    select
        *,
        min(coalesce(updated_at, created_at, arrived_at)) over (partition by customer_id, version_no) as changed_at,
        row_number() over (partition by customer_id, version_no order by version_seq desc) as recency_in_version
    from grouped
),

history as (
    select
        customer_id,
        version_no,
        case when version_no = 1 then coalesce(created_at, changed_at) else changed_at end as valid_from,
        customer_name,
        gender,
        birth_date,
        id_number,
        phone_e164,
        phone2_e164,
        province,
        city,
        rm_id,
        do_not_call,
        last_source_file_id
    from versioned
    where recency_in_version = 1
)

select
    *,
    lead(valid_from) over (partition by customer_id order by version_no) as valid_to
from history
