-- Agent login / pause state from queue_log, as segments between consecutive state events,
-- split at midnight so each piece belongs to one local date. Login: ADDMEMBER, AGENTLOGIN,
-- AGENTCALLBACKLOGIN; logout: REMOVEMEMBER, AGENTLOGOFF, AGENTCALLBACKLOGOFF; pause: PAUSE /
-- PAUSEALL (reason in data1) until UNPAUSE / UNPAUSEALL or logout. The state is per agent
-- (not per queue). An agent still logged in at the end of the log is counted up to the last
-- queue_log event.
-- (logic: macros/agent_states.sql, shared with fct_agent_states' incremental runs)
{{ agent_state_pieces(ref('stg_raw__queue_log')) }}
