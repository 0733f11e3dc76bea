-- Agent login / pause state from queue_log, as segments between consecutive state events,
-- split at midnight so each piece belongs to one local date. Login: ADDMEMBER, AGENTLOGIN,
-- AGENTCALLBACKLOGIN; logout: REMOVEMEMBER, AGENTLOGOFF, AGENTCALLBACKLOGOFF; pause: PAUSE /
-- PAUSEALL (reason in data1) until UNPAUSE / UNPAUSEALL or logout. The state is per agent
-- (not per queue). An agent still logged in at the end of the log is counted up to the last
-- queue_log event.
with queue_log as (
    select * from {{ ref('stg_raw__queue_log') }}
),

state_events as (
    select
        agent_member,
        event,
        event_at,
        event_epoch,
        source_file_id,
        source_line_no,
        case
            when event in ('ADDMEMBER', 'AGENTLOGIN', 'AGENTCALLBACKLOGIN') then 1
            when event in ('REMOVEMEMBER', 'AGENTLOGOFF', 'AGENTCALLBACKLOGOFF') then 0
            when event in ('PAUSE', 'PAUSEALL', 'UNPAUSE', 'UNPAUSEALL') then 1
        end as login_flag,
        case
            when event in ('PAUSE', 'PAUSEALL') then 1
            when event in ('UNPAUSE', 'UNPAUSEALL', 'REMOVEMEMBER', 'AGENTLOGOFF', 'AGENTCALLBACKLOGOFF', 'ADDMEMBER', 'AGENTLOGIN') then 0
        end as pause_flag,
        case when event in ('PAUSE', 'PAUSEALL') then coalesce(data1, '') end as pause_reason
    from queue_log
    where agent_member is not null
        and event in (
            'ADDMEMBER', 'REMOVEMEMBER', 'AGENTLOGIN', 'AGENTLOGOFF', 'AGENTCALLBACKLOGIN',
            'AGENTCALLBACKLOGOFF', 'PAUSE', 'PAUSEALL', 'UNPAUSE', 'UNPAUSEALL'
        )
),

horizon as (
    select max(event_at) as log_end from queue_log
),

states as (
    select
        agent_member,
        event_at as segment_start,
        coalesce(
            lead(event_at) over (partition by agent_member order by event_epoch, source_file_id, source_line_no),
            (select log_end from horizon)
        ) as segment_end,
        login_flag = 1 as logged_in,
        pause_flag = 1 as paused,
        case when pause_flag = 1 then pause_reason end as pause_reason
    from state_events
),

days as (
    {{ day_series('(select min(event_at) from queue_log)', '(select max(event_at) from queue_log)') }}
),

pieces as (
    select
        states.agent_member,
        days.date_day,
        greatest(states.segment_start, cast(days.date_day as timestamp)) as piece_start,
        least(states.segment_end, cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as timestamp)) as piece_end,
        states.logged_in,
        states.paused,
        states.pause_reason
    from states
    inner join days
        on days.date_day between cast(states.segment_start as date) and cast(states.segment_end as date)
    where states.logged_in
)

select
    agent_member,
    date_day,
    piece_start,
    piece_end,
    {{ seconds_between('piece_start', 'piece_end') }} as seconds,
    paused,
    pause_reason,
    paused and (
        lower(pause_reason) like '%wrap%' or lower(pause_reason) like '%acw%'
        or lower(pause_reason) like '%after%call%' or pause_reason like '%话后%'
        or pause_reason like '%整理%'
    ) as is_after_call_work
from pieces
where piece_end > piece_start
