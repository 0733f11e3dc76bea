{{
    config(
        materialized='incremental',
        unique_key='call_id'
    )
}}
-- First-contact resolution per answered call: the caller (resolved customer, else the
-- normalised number) was resolved at first contact when they did not call again (any queue
-- call) within fcr_window_hours. Calls too recent to know are flagged not observable.
-- `last_source_file_id`: the newest among the call's fct_queue_calls rows (the max is the
-- watermark).
-- Incremental: every call of each touched caller is recomputed — callers of the queue calls
-- rewritten since (their new and their former key) and callers with a call recent enough
-- that the moving end of the data can make it observable.
{%- if is_incremental() %}
{%- set watermark = file_watermark() %}
{%- set recent_from = scalar_now(
    "select " ~ dbt.dateadd('hour', -1 * (var('fcr_window_hours') | int), 'max(contact_at)') ~ " from " ~ this
) %}
{%- endif %}
with entries as (
    select * from {{ ref('fct_queue_calls') }}
),

numbers as (
    select * from {{ ref('queue_call_numbers_restricted') }}
),

entry_callers as (
    select
        entries.call_id,
        entries.entered_at,
        entries.outcome,
        entries.queue,
        entries.center_id,
        entries.last_source_file_id,
        coalesce(entries.customer_id, 'tel:' || numbers.caller_e164) as entry_caller_key
    from entries
    left join numbers
        on numbers.queue_call_id = entries.queue_call_id
),

{%- if is_incremental() %}

rewritten_calls as (
    select distinct call_id from entry_callers where last_source_file_id > {{ watermark }}
),

touched_callers as (
    select entry_caller_key as caller_key
    from entry_callers
    where call_id in (select call_id from rewritten_calls)
    union
    select caller_key from {{ this }}
    where call_id in (select call_id from rewritten_calls)
    {%- if recent_from is not none %}
        or contact_at >= cast('{{ recent_from }}' as timestamp)
    {%- endif %}
),
{%- endif %}

calls as (
    select
        call_id,
        min(entered_at) as contact_at,
        max(entry_caller_key) as caller_key,
        max(case when outcome = 'answered' then 1 else 0 end) = 1 as was_answered,
        min(queue) as first_queue,
        max(center_id) as center_id,
        max(last_source_file_id) as last_source_file_id
    from entry_callers
    {%- if is_incremental() %}
    where call_id in (
        select call_id from entry_callers
        where entry_caller_key in (select caller_key from touched_callers)
    )
    {%- endif %}
    group by call_id
),

sequenced as (
    select
        *,
        lead(contact_at) over (partition by caller_key order by contact_at, call_id) as next_contact_at
    from calls
    where caller_key is not null
    {%- if is_incremental() %}
        -- a call picked by a touched key on one entry but keyed elsewhere has a partial history
        and caller_key in (select caller_key from touched_callers)
    {%- endif %}
),

horizon as (
    select max(entered_at) as last_entry_at from entries
)

select
    sequenced.call_id,
    sequenced.caller_key,
    sequenced.contact_at,
    cast(sequenced.contact_at as date) as contact_date,
    sequenced.first_queue as queue,
    sequenced.center_id,
    sequenced.next_contact_at,
    {{ dbt.dateadd('hour', var('fcr_window_hours'), 'sequenced.contact_at') }} <= horizon.last_entry_at
        or sequenced.next_contact_at is not null as is_observable,
    sequenced.next_contact_at is null
        or sequenced.next_contact_at > {{ dbt.dateadd('hour', var('fcr_window_hours'), 'sequenced.contact_at') }} as resolved_first_contact,
    sequenced.last_source_file_id
from sequenced
cross join horizon
where sequenced.was_answered
