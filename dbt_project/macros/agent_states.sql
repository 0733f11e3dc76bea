{#-
  Agent state pieces from queue_log, shared by int_agent_state_segments (every date) and
  fct_agent_states' incremental runs (the dates from `from_date` on).
-#}

{#- The queue_log events that change an agent's login / pause state. -#}
{% macro agent_state_events() -%}
    'ADDMEMBER', 'REMOVEMEMBER', 'AGENTLOGIN', 'AGENTLOGOFF', 'AGENTCALLBACKLOGIN',
    'AGENTCALLBACKLOGOFF', 'PAUSE', 'PAUSEALL', 'UNPAUSE', 'UNPAUSEALL'
{%- endmacro %}

{#-
  Agent login / pause state from queue_log, as segments between consecutive state events,
  split at midnight so each piece belongs to one local date. Login: ADDMEMBER, AGENTLOGIN,
  AGENTCALLBACKLOGIN; logout: REMOVEMEMBER, AGENTLOGOFF, AGENTCALLBACKLOGOFF; pause: PAUSE /
  PAUSEALL (reason in data1) until UNPAUSE / UNPAUSEALL or logout. The state is per agent
  (not per queue). An agent still logged in at the end of the log is counted up to the last
  queue_log event.
  `queue_log`: a relation with stg_raw__queue_log's columns (all of it: segments need every
  state event and the log's end); `from_date` ('YYYY-MM-DD'): only pieces on or after it.
-#}
{% macro agent_state_pieces(queue_log, from_date=none) -%}
with queue_log as (
    select * from {{ queue_log }}
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
        and event in ({{ agent_state_events() }})
),

horizon as (
    -- max(event_at) without converting every epoch: see latest_local_event
    {{ latest_local_event('queue_log') }}
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
    {{ day_series(
        "cast('" ~ from_date ~ "' as date)" if from_date else
            '(select min(event_at) from queue_log where event_epoch <= (select min(event_epoch) from queue_log) + 7200)',
        '(select log_end from horizon)'
    ) }}
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
        {%- if from_date %}
        and states.segment_end >= cast('{{ from_date }}' as timestamp)
        {%- endif %}
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
{%- endmacro %}

{#-
  The latest event_at of a queue_log relation as `select ... as log_end`, converting only the
  last two hours of epochs: local time grows with the epoch except at a DST fall-back (an hour
  back), so no earlier line can be later in local time.
-#}
{% macro latest_local_event(queue_log) -%}
    select max(event_at) as log_end
    from {{ queue_log }}
    where event_epoch >= (select max(event_epoch) from {{ queue_log }}) - 7200
{%- endmacro %}

{#-
  For an incremental run: the first date whose pieces lines in files newer than `watermark`
  can change (found now), or none when there are no such lines. A new state event changes
  its agent's pieces from the previous state event of that agent on (that segment now ends
  earlier); any new line moves the log's end, so agents still logged in change from the
  date of the old end on. Late files therefore reach back as far as they need to. Worked on
  epochs, two hours early (a DST fall-back): recomputing a date more is harmless.
-#}
{% macro agent_states_from_date(watermark) -%}
    {%- set queue_log = ref('stg_raw__queue_log') -%}
    {%- set sql -%}
        with state_events as (
            select
                source_file_id,
                event_epoch,
                lag(event_epoch) over (
                    partition by agent_member order by event_epoch, source_file_id, source_line_no
                ) as previous_epoch
            from {{ queue_log }}
            where agent_member is not null and event in ({{ agent_state_events() }})
        ),

        bounds as (
            select min(coalesce(previous_epoch, event_epoch)) as from_epoch
            from state_events
            where source_file_id > {{ watermark }}
            union all
            select max(event_epoch) from {{ queue_log }} where source_file_id <= {{ watermark }}
        )

        select case
            when exists (select 1 from {{ queue_log }} where source_file_id > {{ watermark }})
                then cast({{ epoch_to_local('(select min(from_epoch) from bounds) - 7200') }} as date)
        end
    {%- endset -%}
    {%- set found = scalar_now(sql) -%}
    {{ return(none if found is none else found | string) }}
{%- endmacro %}

{#- fct_agent_states' pre-hook: on an incremental run, delete the dates it will recompute. -#}
{% macro delete_agent_state_dates() -%}
    {%- if is_incremental() -%}
        {%- set from_date = agent_states_from_date(file_watermark()) -%}
        {%- if from_date is not none -%}
            delete from {{ this }} where date_day >= cast('{{ from_date }}' as date)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
