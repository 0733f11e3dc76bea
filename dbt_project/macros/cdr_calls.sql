{#-
  Calls from CDR legs, shared by int_cdr_calls (over all of staging) and fct_calls'
  incremental runs (over the legs of the calls they recompute). Every window and aggregate is
  per linkedid, so a leg set holding all legs of some calls gives those calls exactly.
  One row per call: the CDR legs sharing a linkedid (or the uniqueid where no linkedid).
  `cdr`: a relation or parenthesised subquery with stg_raw__cdr's columns.
-#}
{% macro cdr_calls(cdr) -%}
with cdr as (
    select * from {{ cdr }}
),

legs as (
    select
        *,
        row_number() over (
            partition by linkedid order by started_at, cdr_sequence nulls last, uniqueid, cdr_key
        ) as leg_no
    from cdr
    where linkedid is not null
),

first_leg as (
    select * from legs where leg_no = 1
),

call_totals as (
    select
        linkedid,
        count(*) as leg_count,
        min(started_at) as started_at,
        min(answered_at) as answered_at,
        max(ended_at) as ended_at,
        max(case when disposition = 'ANSWERED' then 1 else 0 end) = 1 as any_answered,
        max(case when lower(lastapp) in ('background', 'read', 'waitexten', 'ivr', 'agi', 'playback')
            then 1 else 0 end) = 1 as went_through_ivr,
        min(case when lower(lastapp) = 'queue' then started_at end) as queued_at,
        sum(case when disposition = 'ANSWERED' and dstchannel is not null
            and lower(lastapp) in ('queue', 'dial') then billsec_seconds else 0 end) as talk_seconds,
        max(userfield) as userfield,
        max(source_file_id) as last_source_file_id
    from legs
    group by linkedid
),

queue_legs as (
    select
        linkedid,
        {{ dbt.split_part('lastdata', "','", 1) }} as queue,
        row_number() over (partition by linkedid order by started_at, leg_no) as queue_leg_no
    from legs
    where lower(lastapp) = 'queue'
)

select
    call_totals.linkedid as call_id,
    first_leg.uniqueid as first_uniqueid,
    call_totals.leg_count,
    call_totals.started_at,
    call_totals.answered_at,
    call_totals.ended_at,
    first_leg.src,
    first_leg.src_e164,
    first_leg.dst,
    first_leg.dcontext,
    case
        when call_totals.userfield is not null then 'outbound'
        when lower(first_leg.dcontext) like '%outbound%' or lower(first_leg.dcontext) like '%from-internal%' then 'outbound'
        else 'inbound'
    end as direction,
    call_totals.went_through_ivr,
    queue_legs.queue,
    call_totals.queued_at,
    call_totals.talk_seconds,
    case when call_totals.any_answered then 'ANSWERED' else first_leg.disposition end as disposition,
    call_totals.userfield,
    call_totals.last_source_file_id
from call_totals
inner join first_leg
    on first_leg.linkedid = call_totals.linkedid
left join queue_legs
    on queue_legs.linkedid = call_totals.linkedid
    and queue_legs.queue_leg_no = 1
{%- endmacro %}

{#-
  For an incremental run: the predicate on stg_raw__cdr rows that selects every leg (latest
  version) of the calls with CDR rows in files newer than `watermark`, and of the calls an
  older version of those records belonged to. The key range (found now, as literals) keeps
  staging's latest-wins window to those records' neighbourhood.
-#}
{% macro cdr_calls_since(watermark) -%}
    {%- set call_key = "coalesce(nullif(trim(linkedid), ''), nullif(trim(uniqueid), ''))" -%}
    {%- set new_calls -%}
        select {{ call_key }} from {{ source('raw', 'cdr') }}
        where _record_key in (select _record_key from {{ source('raw', 'cdr') }} where _file_id > {{ watermark }})
    {%- endset -%}
    {%- set legs -%}
        select _record_key from {{ source('raw', 'cdr') }} where {{ call_key }} in ({{ new_calls }})
    {%- endset -%}
    {{ key_range_now('cdr_key', legs) }} and linkedid in ({{ new_calls }})
{%- endmacro %}
