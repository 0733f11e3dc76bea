-- Reconciliation: per date, calls handled by agents = answered queue entries.
with agents as (
    select date, sum(calls_handled) as handled from {{ ref('agg_agent_daily') }} group by date
),

queues as (
    select date, sum(answered) as answered from {{ ref('agg_queue_daily') }} group by date
)

select coalesce(agents.date, queues.date) as date, agents.handled, queues.answered
from agents
full outer join queues on queues.date = agents.date
where coalesce(agents.handled, 0) <> coalesce(queues.answered, 0)
