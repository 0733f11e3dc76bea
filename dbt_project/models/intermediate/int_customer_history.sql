-- SCD2 versions of customers: a new version whenever phone, RM or address (province, city)
-- changes; other corrections update the version in place (the latest value wins).
with versions as (
    select * from {{ ref('base_raw__customer_versions') }}
),

ordered as (
    select
        *,
        coalesce(phone_e164, '') || '|' || coalesce(rm_id, '') || '|'
            || coalesce(province, '') || '|' || coalesce(city, '') as tracked_state,
        row_number() over (partition by customer_id order by version_rank_desc desc) as version_seq
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

collapsed as (
    select
        customer_id,
        version_no,
        min(coalesce(updated_at, created_at, arrived_at)) as changed_at,
        max(version_seq) as last_seq
    from grouped
    group by customer_id, version_no
),

history as (
    select
        grouped.customer_id,
        collapsed.version_no,
        case when collapsed.version_no = 1 then coalesce(grouped.created_at, collapsed.changed_at)
            else collapsed.changed_at end as valid_from,
        grouped.customer_name,
        grouped.gender,
        grouped.birth_date,
        grouped.id_number,
        grouped.phone_e164,
        grouped.phone2_e164,
        grouped.province,
        grouped.city,
        grouped.rm_id,
        grouped.do_not_call
    from grouped
    inner join collapsed
        on collapsed.customer_id = grouped.customer_id
        and collapsed.version_no = grouped.version_no
        and collapsed.last_seq = grouped.version_seq
)

select
    *,
    lead(valid_from) over (partition by customer_id order by version_no) as valid_to
from history
