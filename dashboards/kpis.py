"""SQL fragments for re-aggregating the queue marts (rates recomputed from counts, never averaged)."""

from __future__ import annotations

# Over rows of marts.agg_queue_daily / marts.agg_queue_interval (contract definitions).
QUEUE_MEASURES = """
    sum(offered)::bigint as offered,
    sum(answered)::bigint as answered,
    sum(abandoned)::bigint as abandoned,
    sum(answered_within_sl) / nullif(sum(offered) - sum(short_abandoned), 0) as service_level,
    sum(abandoned) / nullif(sum(offered), 0) as abandon_rate,
    sum(asa_seconds * answered) / nullif(sum(answered) filter (asa_seconds is not null), 0)
        as asa_seconds,
    sum(aht_seconds * answered) / nullif(sum(answered) filter (aht_seconds is not null), 0)
        as aht_seconds,
    max(max_wait_seconds) as max_wait_seconds
"""

QUEUE_FILTER = {"date_expr": "date", "center_expr": "center_id", "queue_expr": "queue"}
