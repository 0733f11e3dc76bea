{# Columns beyond the contract are added by ccdw.campaigns; before its first build they may be
    missing, so read them only where they exist. -#}
{%- set extra = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(source('ops', 'campaign_members')) -%}
        {%- do extra.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif %}
-- One row per campaign member that passed compliance (treated or control), with its outcome:
-- contacted (an answered call) and converted per the campaign's conversion rule, measured
-- from eligible_from for treated and control alike (intention to treat).

with members as (
    select * from {{ source('ops', 'campaign_members') }}
    where status in ('eligible', 'queued', 'dialing', 'done')
),

attempts as (
    select * from {{ ref('fct_campaign_attempts') }}
),

premiums as (
    select policy_id, customer_id, due_date, paid_at from {{ ref('fct_premiums') }}
),

policies as (
    select customer_id, start_date from {{ ref('dim_policy') }}
),

accounts as (
    select customer_id, opened_at from {{ ref('dim_account') }}
),

feedback as (
    select anomaly_id, given_at from {{ source('ops', 'alert_feedback') }}
    where disposition = 'confirmed'
),

member_rows as (
    select
        members.member_id,
        members.campaign_id,
        members.customer_id,
        members.is_control,
        members.status,
        members.eligible_from as reference_at,
        cast(members.eligible_from as date) as list_date,
        {% if 'subject_id' in extra %}members.subject_id{% else %}cast(null as varchar){% endif %} as subject_id,
        {% if 'conversion_rule' in extra %}members.conversion_rule{% else %}cast(null as varchar){% endif %} as conversion_rule
    from members
),

contact as (
    select
        member_id,
        count(*) as attempts,
        count(*) filter (where final_status = 'answered') as answered_attempts,
        min(sent_at) as first_sent_at
    from attempts
    group by member_id
),

converted as (
    select
        m.member_id,
        case m.conversion_rule
            when 'premium_paid_7d' then (
                select min(p.paid_at) from premiums p
                where p.customer_id = m.customer_id
                  and p.paid_at >= m.reference_at
                  and p.paid_at < m.reference_at + interval 7 day
                  and (m.subject_id is null
                       or p.policy_id || ':' || strftime(p.due_date, '%Y-%m-%d') = m.subject_id)
            )
            when 'anomaly_confirmed' then (
                select min(f.given_at) from feedback f
                where f.anomaly_id = m.subject_id
                  and f.given_at >= m.reference_at
                  and f.given_at < m.reference_at + interval 30 day
            )
            when 'product_bought_30d' then least(
                (select min(cast(po.start_date as timestamp)) from policies po
                 where po.customer_id = m.customer_id
                   and po.start_date >= cast(m.reference_at as date)
                   and po.start_date < cast(m.reference_at as date) + interval 30 day),
                (select min(cast(a.opened_at as timestamp)) from accounts a
                 where a.customer_id = m.customer_id
                   and a.opened_at >= cast(m.reference_at as date)
                   and a.opened_at < cast(m.reference_at as date) + interval 30 day)
            )
        end as converted_at
    from member_rows m
)

select
    m.member_id,
    m.campaign_id,
    m.customer_id,
    m.is_control,
    m.status,
    m.conversion_rule,
    m.reference_at,
    m.list_date,
    coalesce(c.attempts, 0) as attempts,
    coalesce(c.answered_attempts, 0) as answered_attempts,
    c.first_sent_at,
    coalesce(c.answered_attempts, 0) > 0 as contacted,
    case
        when m.conversion_rule = 'contacted' then coalesce(c.answered_attempts, 0) > 0
        else v.converted_at is not null
    end as converted,
    v.converted_at
from member_rows m
left join contact c on c.member_id = m.member_id
left join converted v on v.member_id = m.member_id
