-- depends_on: {{ ref('stg_raw__cdr') }}
{{
    config(
        materialized='incremental',
        unique_key='call_id',
        on_schema_change='fail'
    )
}}
-- One row per call across its CDR legs (linked by linkedid, else uniqueid), with IVR, queue,
-- agent (from the queue entry it was answered in), talk and disposition. Incremental: calls
-- with CDRs in files landed after the last run are recomputed from all their legs.
with calls as (
    {%- if is_incremental() %}
    -- the calls with CDRs in new files, from all their legs (macros/cdr_calls.sql)
    select * from (
        {{ cdr_calls('(select * from ' ~ ref('stg_raw__cdr') ~ ' where ' ~ cdr_calls_since(file_watermark()) ~ ') as scoped_cdr') }}
    ) as scoped_calls
    {%- else %}
    select * from {{ ref('int_cdr_calls') }}
    {%- endif %}
),

identity as (
    select * from {{ ref('int_phone_identity') }}
),

with_numbers as (
    select
        calls.*,
        case when calls.direction = 'inbound' then calls.src_e164
            else {{ normalize_phone_e164('calls.dst') }} end as party_e164
    from calls
),

-- A call's queue entry is keyed by its linkedid or by its first leg's uniqueid. Joining on
-- `call_id in (call_id, first_uniqueid)` is an OR (non-equi) join that DuckDB runs as a
-- nested loop (quadratic in calls); unpivoting the two keys turns it into hash joins.
-- Distinct keys per call keep the old fan-out exactly (one row per matching entry).
call_keys as (
    select distinct call_id, match_key
    from (
        select call_id, call_id as match_key from with_numbers
        union all
        select call_id, first_uniqueid as match_key from with_numbers
    ) as keys
    where match_key is not null
),

answered_entries as (
    -- only the entries these calls can match (all of them on a full build)
    select
        call_id,
        agent_id,
        row_number() over (partition by call_id order by entered_at, entry_no) as answer_rank
    from {{ ref('fct_queue_calls') }}
    where outcome = 'answered'
        and call_id in (select match_key from call_keys)
),

call_answers as (
    select call_keys.call_id, answered_entries.agent_id
    from call_keys
    inner join answered_entries
        on answered_entries.call_id = call_keys.match_key
        and answered_entries.answer_rank = 1
)

select
    with_numbers.call_id,
    with_numbers.first_uniqueid,
    with_numbers.leg_count,
    with_numbers.direction,
    with_numbers.started_at,
    cast(with_numbers.started_at as date) as started_date,
    with_numbers.answered_at,
    with_numbers.ended_at,
    {{ seconds_between('with_numbers.started_at', 'with_numbers.ended_at') }} as duration_seconds,
    with_numbers.went_through_ivr,
    with_numbers.queue,
    call_answers.agent_id,
    with_numbers.talk_seconds,
    with_numbers.disposition,
    with_numbers.userfield as campaign_member_id,
    {{ mask_phone('with_numbers.party_e164') }} as party_number_masked,
    identity.customer_id,
    with_numbers.last_source_file_id
from with_numbers
left join call_answers
    on call_answers.call_id = with_numbers.call_id
left join identity
    on identity.phone_e164 = with_numbers.party_e164
