-- One row per dial attempt, its outcome closed from the CDRs: a CDR whose userfield carries
-- the member key belongs to that member's latest attempt sent before the CDR started
-- (2 minutes of clock skew allowed). ANSWERED wins over the other legs of the same call.
with attempts as (
    select
        *,
        lead(sent_at) over (partition by member_id order by sent_at, attempt_id) as next_sent_at
    from {{ source('ops', 'dial_attempts') }}
),

members as (
    select member_id, campaign_id, customer_id, is_control
    from {{ source('ops', 'campaign_members') }}
),

campaign_cdrs as (
    select userfield as member_id, started_at, disposition, uniqueid, billsec_seconds
    from {{ ref('stg_raw__cdr') }}
    where userfield is not null
),

matched as (
    select
        attempts.attempt_id,
        campaign_cdrs.disposition,
        campaign_cdrs.uniqueid,
        campaign_cdrs.billsec_seconds,
        row_number() over (
            partition by attempts.attempt_id
            order by (campaign_cdrs.disposition = 'ANSWERED') desc, campaign_cdrs.started_at desc
        ) as pick
    from attempts
    join campaign_cdrs
        on campaign_cdrs.member_id = attempts.member_id
        and campaign_cdrs.started_at >= attempts.sent_at - interval 2 minute
        and (attempts.next_sent_at is null
             or campaign_cdrs.started_at < attempts.next_sent_at - interval 2 minute)
),

best_cdr as (
    select * from matched where pick = 1
)

select
    attempts.attempt_id,
    attempts.member_id,
    members.campaign_id,
    members.customer_id,
    attempts.action_id,
    attempts.sent_at,
    cast(attempts.sent_at as date) as sent_date,
    attempts.response,
    attempts.reason_code,
    coalesce(attempts.uniqueid, best_cdr.uniqueid) as uniqueid,
    coalesce(
        case best_cdr.disposition
            when 'ANSWERED' then 'answered'
            when 'NO ANSWER' then 'no answer'
            when 'CANCEL' then 'no answer'
            when 'BUSY' then 'busy'
            when 'CONGESTION' then 'congestion'
            when 'FAILED' then 'failed'
        end,
        attempts.final_status
    ) as final_status,
    case when best_cdr.disposition is not null then 'cdr'
         when attempts.final_status is not null then 'dialer' end as final_status_source,
    best_cdr.billsec_seconds as talk_seconds
from attempts
left join members on members.member_id = attempts.member_id
left join best_cdr on best_cdr.attempt_id = attempts.attempt_id
