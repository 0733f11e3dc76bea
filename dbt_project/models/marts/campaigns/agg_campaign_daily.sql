-- Per campaign and list date: attempts, contact rate, conversions, and the lift of treated
-- over control (difference in conversion rates) with a 95% Agresti-Caffo interval.
-- Service callbacks have no control group: their lift is NULL.
with members as (
    select * from {{ ref('fct_campaign_members') }}
),

by_day as (
    select
        campaign_id,
        list_date as date,
        count(*) filter (where not is_control) as treated_members,
        count(*) filter (where is_control) as control_members,
        count(*) filter (where not is_control and attempts > 0) as dialed_members,
        sum(attempts) filter (where not is_control) as attempts,
        sum(answered_attempts) filter (where not is_control) as answered_attempts,
        count(*) filter (where not is_control and contacted) as contacted_members,
        count(*) filter (where not is_control and converted) as conversions_treated,
        count(*) filter (where is_control and converted) as conversions_control
    from members
    group by campaign_id, list_date
),

rates as (
    select
        *,
        case when dialed_members > 0 then contacted_members / dialed_members end as contact_rate,
        case when attempts > 0 then answered_attempts / attempts end as answer_rate,
        case when treated_members > 0
             then conversions_treated / treated_members end as conversion_rate_treated,
        case when control_members > 0
             then conversions_control / control_members end as conversion_rate_control,
        (conversions_treated + 1) / (treated_members + 2) as adj_treated,
        (conversions_control + 1) / (control_members + 2) as adj_control
    from by_day
)

select
    campaign_id,
    date,
    treated_members,
    control_members,
    dialed_members,
    coalesce(attempts, 0) as attempts,
    coalesce(answered_attempts, 0) as answered_attempts,
    contacted_members,
    contact_rate,
    answer_rate,
    conversions_treated,
    conversions_control,
    conversion_rate_treated,
    conversion_rate_control,
    conversion_rate_treated - conversion_rate_control as lift,
    -- Agresti-Caffo interval: one success and one failure added to each group keeps the
    -- interval honest for small groups and rates of 0 or 1; clipped to [-1, 1].
    case when treated_members > 0 and control_members > 0 then greatest(-1.0,
        adj_treated - adj_control - 1.96 * sqrt(
            adj_treated * (1 - adj_treated) / (treated_members + 2)
            + adj_control * (1 - adj_control) / (control_members + 2)))
    end as lift_ci_low,
    case when treated_members > 0 and control_members > 0 then least(1.0,
        adj_treated - adj_control + 1.96 * sqrt(
            adj_treated * (1 - adj_treated) / (treated_members + 2)
            + adj_control * (1 - adj_control) / (control_members + 2)))
    end as lift_ci_high
from rates
