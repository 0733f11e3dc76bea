-- Every ENTERQUEUE line is exactly one queue entry (offered counts queue entries).
with enterqueue as (
    select count(*) as lines
    from {{ ref('stg_raw__queue_log') }}
    where event = 'ENTERQUEUE' and call_id is not null and queue is not null
),

entries as (
    select count(*) as entries from {{ ref('fct_queue_calls') }}
)

select * from enterqueue cross join entries where lines <> entries
