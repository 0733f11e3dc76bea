-- Ticket SLA: the share of tickets resolved within 24 h of creation, by created date and
-- by category, department and center (one row per dimension value).
with tickets as (
    select * from {{ ref('fct_tickets') }}
),

by_dimension as (
    select 'category' as dimension, category as dimension_value, created_date, resolved_at, resolved_within_24h, resolution_hours from tickets
    union all
    select 'department', department, created_date, resolved_at, resolved_within_24h, resolution_hours from tickets
    union all
    select 'center', center_id, created_date, resolved_at, resolved_within_24h, resolution_hours from tickets
)

select
    dimension,
    coalesce(dimension_value, 'unknown') as dimension_value,
    created_date as date,
    count(*) as tickets,
    sum(case when resolved_at is not null then 1 else 0 end) as resolved,
    sum(case when resolved_within_24h then 1 else 0 end) as resolved_within_24h,
    sum(case when resolved_within_24h then 1 else 0 end) * 1.0 / nullif(count(*), 0) as sla_rate,
    avg(resolution_hours) as avg_resolution_hours
from by_dimension
group by dimension, coalesce(dimension_value, 'unknown'), created_date
