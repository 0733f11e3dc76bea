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

# The wait distribution: queue entries by 10-second wait bucket (the last holds every wait of
# WAIT_CAP seconds or more, the first any negative wait) and outcome. Pre-aggregated by dbt in
# marts.agg_queue_wait_buckets (dbt_project/models/marts/dashboards/); the fact query is the
# fallback for a serving copy built before that mart existed. Both take the same filter
# (columns date, center_id, queue).
WAIT_BUCKET = 10
WAIT_CAP = 300
WAIT_MART = "marts.agg_queue_wait_buckets"
WAIT_FILTER = QUEUE_FILTER


def wait_distribution_sql(where: str, *, from_mart: bool) -> str:
    """``wait_from, outcome, calls`` for the rows ``where`` selects (a trusted fragment)."""
    if from_mart:
        return (
            "select wait_from, outcome, sum(calls)::bigint as calls "  # noqa: S608 (constants)
            f"from {WAIT_MART} where {where} group by all order by wait_from, outcome"
        )
    return (
        f"select least(greatest(floor(wait_seconds / {WAIT_BUCKET}) * {WAIT_BUCKET}, 0), {WAIT_CAP})::integer "  # noqa: S608
        "as wait_from, "
        "outcome, count(*)::bigint as calls from ("
        "select cast(entered_at as date) as date, center_id, queue, wait_seconds, outcome "
        "from marts.fct_queue_calls where wait_seconds is not null"
        f") calls where {where} group by all order by wait_from, outcome"
    )
