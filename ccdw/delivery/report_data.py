"""What a manager report shows, read from the marts (dbt computed the KPIs).

A center's report covers its whole subtree of the hierarchy (``marts.dim_center``
``parent_center_id``), so a province report is the roll-up of its cities and counties. The
headline KPIs come from dbt's roll-up ``marts.agg_center_daily`` (one row per center and day:
for a daily report they are exactly the mart's values). Over several days (weekly) or several
queues (worst queues, half hours) the mart's own components are combined with the contract's
definitions (service level = Σ answered_within_sl / (Σ offered − Σ short_abandoned), ASA/AHT
weighted by answered calls); for one queue and one day that is exactly the mart's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from ccdw.delivery.rendering import rows_as_dicts, table_exists
from ccdw.errors import CcdwError


@dataclass(frozen=True)
class Period:
    kind: str  # daily | weekly
    start: date
    end: date  # inclusive
    label: str

    def shifted(self, days: int) -> Period:
        return Period(
            self.kind,
            self.start - timedelta(days=days),
            self.end - timedelta(days=days),
            self.label,
        )


def period_for(kind: str, period_date: date) -> Period:
    """The daily period of ``period_date``, or the ISO week (Mon–Sun) that contains it."""
    if kind == "daily":
        return Period(kind, period_date, period_date, period_date.isoformat())
    if kind == "weekly":
        start = period_date - timedelta(days=period_date.weekday())
        year, week, _ = start.isocalendar()
        return Period(kind, start, start + timedelta(days=6), f"{year}-W{week:02d}")
    raise CcdwError(f"unknown report kind {kind!r}: use daily or weekly")


def default_period(kind: str, today: date) -> Period:
    """Yesterday (daily) or the last full week (weekly), ``today`` in site time."""
    if kind == "weekly":
        return period_for(kind, today - timedelta(days=7 + today.weekday()))
    return period_for(kind, today - timedelta(days=1))


@dataclass(frozen=True)
class Targets:
    """Service targets the KPIs are judged against (documented in docs/operations.md)."""

    service_level: float = 0.80
    asa_seconds: float = 20.0
    abandon_rate: float = 0.05
    aht_seconds: float = 300.0


@dataclass(frozen=True)
class Center:
    center_id: str
    name: str
    level: str | None
    path: str | None
    subtree: tuple[str, ...]


@dataclass
class ReportData:
    center: Center
    period: Period
    kpis: dict[str, dict[str, float | None]]  # this | last_week | last_year → measure → value
    trend: list[dict[str, object]]
    worst_queues: list[dict[str, object]]
    worst_intervals: list[dict[str, object]]
    interval_profile: list[dict[str, object]]
    agents: list[dict[str, object]]
    tickets: dict[str, object]
    complaint_trend: list[dict[str, object]]
    campaigns: list[dict[str, object]]
    anomalies: dict[str, object]
    notes: list[str] = field(default_factory=list)

    @property
    def offered(self) -> int:
        return int(self.kpis["this"].get("offered") or 0)


MEASURES = ("service_level", "asa_seconds", "abandon_rate", "aht_seconds")

_ROLLUP = """
    sum(offered) as offered, sum(answered) as answered, sum(abandoned) as abandoned,
    sum(answered_within_sl)::double / nullif(sum(offered) - sum(short_abandoned), 0)
        as service_level,
    sum(asa_seconds * answered) / nullif(sum(answered) filter (where asa_seconds is not null), 0)
        as asa_seconds,
    sum(abandoned)::double / nullif(sum(offered), 0) as abandon_rate,
    sum(aht_seconds * answered) / nullif(sum(answered) filter (where aht_seconds is not null), 0)
        as aht_seconds,
    max(max_wait_seconds) as max_wait_seconds
"""


def load_centers(con: duckdb.DuckDBPyConnection) -> list[Center]:
    if not table_exists(con, "marts", "dim_center"):
        raise CcdwError("marts.dim_center does not exist: run 'ccdw build' before reports")
    rows = con.execute(
        "select center_id, name, level, parent_center_id, center_path from marts.dim_center "
        "order by center_path nulls last, center_id"
    ).fetchall()
    children: dict[str | None, list[str]] = {}
    for center_id, _, _, parent, _ in rows:
        children.setdefault(parent, []).append(center_id)

    def subtree(root: str) -> tuple[str, ...]:
        out, stack = [], [root]
        while stack:
            node = stack.pop()
            if node in out:  # a cycle in the CRM hierarchy must not hang the report
                continue
            out.append(node)
            stack.extend(children.get(node, []))
        return tuple(out)

    return [Center(r[0], r[1] or r[0], r[2], r[4], subtree(r[0])) for r in rows]


def load_report(
    con: duckdb.DuckDBPyConnection, center: Center, period: Period, trend_days: int
) -> ReportData:
    ids = list(center.subtree)
    notes: list[str] = []
    kpis = {
        "this": _kpis(con, center, period),
        "last_week": _kpis(con, center, period.shifted(7)),
        "last_year": _kpis(con, center, period.shifted(364)),  # 52 weeks: same weekdays
    }
    return ReportData(
        center=center,
        period=period,
        kpis=kpis,
        trend=_trend(con, center, period, trend_days),
        worst_queues=_worst_queues(con, ids, period),
        worst_intervals=_intervals(con, ids, period, worst=True),
        interval_profile=_intervals(con, ids, period, worst=False),
        agents=_agents(con, ids, period, notes),
        tickets=_tickets(con, ids, period, notes),
        complaint_trend=_complaint_trend(con, ids, period),
        campaigns=_campaigns(con, ids, period, notes),
        anomalies=_anomalies(con, ids, period, notes),
        notes=notes,
    )


def _center_scope(
    con: duckdb.DuckDBPyConnection, center: Center
) -> tuple[str, list[object]]:
    """Prefer dbt's own roll-up (``marts.agg_center_daily``, a row per center and date);
    fall back to the subtree's queues in ``marts.agg_queue_daily``."""
    if table_exists(con, "marts", "agg_center_daily"):
        return "marts.agg_center_daily where center_id = ?", [center.center_id]
    return (
        "marts.agg_queue_daily where center_id in (select unnest(cast(? as varchar[])))",
        [list(center.subtree)],
    )


def _kpis(
    con: duckdb.DuckDBPyConnection, center: Center, period: Period
) -> dict[str, float | None]:
    scope, params = _center_scope(con, center)
    rows = rows_as_dicts(
        con.execute(
            f"select {_ROLLUP} from {scope} and date between ? and ?",  # noqa: S608 - constants
            [*params, period.start, period.end],
        )
    )
    return rows[0]  # type: ignore[return-value]


def _trend(
    con: duckdb.DuckDBPyConnection, center: Center, period: Period, days: int
) -> list[dict[str, object]]:
    scope, params = _center_scope(con, center)
    return rows_as_dicts(
        con.execute(
            f"select date, {_ROLLUP} from {scope} and date between ? and ? "  # noqa: S608
            "group by date order by date",
            [*params, period.end - timedelta(days=days - 1), period.end],
        )
    )


def _worst_queues(
    con: duckdb.DuckDBPyConnection, ids: list[str], period: Period
) -> list[dict[str, object]]:
    return rows_as_dicts(
        con.execute(
            f"select queue, {_ROLLUP} from marts.agg_queue_daily "  # noqa: S608
            "where center_id in (select unnest(cast(? as varchar[]))) and date between ? and ? "
            "group by queue having sum(offered) > 0 "
            "order by service_level nulls first, abandon_rate desc limit 5",
            [ids, period.start, period.end],
        )
    )


def _intervals(
    con: duckdb.DuckDBPyConnection, ids: list[str], period: Period, worst: bool
) -> list[dict[str, object]]:
    if not table_exists(con, "marts", "agg_queue_interval"):
        return []
    order = (
        "having sum(offered) > 0 order by service_level nulls first, abandon_rate desc limit 5"
        if worst
        else "order by slot"
    )
    return rows_as_dicts(
        con.execute(
            f"select strftime(interval_start, '%H:%M') as slot, {_ROLLUP} "  # noqa: S608
            "from marts.agg_queue_interval "
            "where center_id in (select unnest(cast(? as varchar[]))) "
            "and cast(interval_start as date) between ? and ? "
            f"group by slot {order}",
            [ids, period.start, period.end],
        )
    )


def _agents(
    con: duckdb.DuckDBPyConnection, ids: list[str], period: Period, notes: list[str]
) -> list[dict[str, object]]:
    if not (table_exists(con, "marts", "agg_agent_daily") and table_exists(con, "marts", "dim_agent")):
        notes.append("agent marts are not built yet")
        return []
    return rows_as_dicts(
        con.execute(
            """select a.agent_id, sum(d.calls_handled) as calls_handled,
                      sum(d.talk_seconds)::double / nullif(sum(d.calls_handled), 0) as aht_seconds,
                      avg(d.occupancy) as occupancy, sum(d.transfers) as transfers
               from marts.agg_agent_daily d join marts.dim_agent a using (agent_id)
               where a.center_id in (select unnest(cast(? as varchar[])))
                 and d.date between ? and ?
               group by a.agent_id having sum(d.calls_handled) > 0
               order by calls_handled desc, aht_seconds limit 10""",
            [ids, period.start, period.end],
        )
    )


_COMPLAINT = "(lower(category) like '%complain%' or category like '%投诉%')"


def _tickets(
    con: duckdb.DuckDBPyConnection, ids: list[str], period: Period, notes: list[str]
) -> dict[str, object]:
    if not table_exists(con, "marts", "fct_tickets"):
        notes.append("marts.fct_tickets is not built yet")
        return {}
    rows = rows_as_dicts(
        con.execute(
            f"""select count(*) as created,
                      count(*) filter (where resolved_within_24h = false) as sla_breaches,
                      count(*) filter (where {_COMPLAINT}) as complaints,
                      count(*) filter (where resolved_at is null) as open_tickets,
                      avg(resolution_hours) as avg_resolution_hours
               from marts.fct_tickets
               where center_id in (select unnest(cast(? as varchar[])))
                 and cast(created_at as date) between ? and ?""",  # noqa: S608 - constant
            [ids, period.start, period.end],
        )
    )
    return rows[0]


def _complaint_trend(
    con: duckdb.DuckDBPyConnection, ids: list[str], period: Period
) -> list[dict[str, object]]:
    if not table_exists(con, "marts", "fct_tickets"):
        return []
    return rows_as_dicts(
        con.execute(
            f"""select cast(date_trunc('week', created_at) as date) as week,
                      count(*) filter (where {_COMPLAINT}) as complaints,
                      count(*) filter (where resolved_within_24h = false) as sla_breaches
               from marts.fct_tickets
               where center_id in (select unnest(cast(? as varchar[])))
                 and cast(created_at as date) between ? and ?
               group by week order by week""",  # noqa: S608 - constant
            [ids, period.end - timedelta(days=7 * 8 - 1), period.end],
        )
    )


CAMPAIGN_COMPONENTS = (
    "treated_members", "control_members", "attempts", "contacted_members",
    "conversions_treated", "conversions_control",
)


def _campaigns(
    con: duckdb.DuckDBPyConnection, ids: list[str], period: Period, notes: list[str]
) -> list[dict[str, object]]:
    """``marts.agg_campaign_daily`` (campaigns room) over the period, all centers.

    Counts add up over list dates; the conversion rates and the lift (treated − control
    conversion rate, the mart's definition) are taken from the summed counts. For a single
    day that is the mart's own lift; its confidence interval is in the mart and dashboards.
    """
    if not table_exists(con, "marts", "agg_campaign_daily"):
        notes.append("campaign marts are not built yet")
        return []
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'agg_campaign_daily'"
        ).fetchall()
    }
    missing = [c for c in ("campaign_id", "date", *CAMPAIGN_COMPONENTS) if c not in columns]
    if missing:
        notes.append(f"marts.agg_campaign_daily lacks {', '.join(missing)}")
        return []
    return rows_as_dicts(
        con.execute(
            """select campaign_id,
                      sum(treated_members) as treated, sum(control_members) as control,
                      sum(attempts) as attempts, sum(contacted_members) as contacted,
                      sum(conversions_treated) as conversions,
                      sum(conversions_treated)::double / nullif(sum(treated_members), 0)
                          as conversion_rate,
                      sum(conversions_treated)::double / nullif(sum(treated_members), 0)
                      - sum(conversions_control)::double / nullif(sum(control_members), 0)
                          as lift
               from marts.agg_campaign_daily
               where date between ? and ?
               group by campaign_id order by campaign_id""",
            [period.start, period.end],
        )
    )


def _anomalies(
    con: duckdb.DuckDBPyConnection, ids: list[str], period: Period, notes: list[str]
) -> dict[str, object]:
    if not (table_exists(con, "ml", "fund_anomalies") and table_exists(con, "marts", "mart_customer_360")):
        notes.append("anomaly scores are not available yet")
        return {}
    feedback = table_exists(con, "ops", "alert_feedback")
    disposition = (
        """(select f.disposition from ops.alert_feedback f where f.anomaly_id = a.anomaly_id
            order by f.given_at desc limit 1)"""
        if feedback
        else "null"
    )
    rows = rows_as_dicts(
        con.execute(
            f"""select a.typology, coalesce({disposition}, 'awaiting feedback') as disposition,
                      count(*) as anomalies
               from ml.fund_anomalies a
               join marts.mart_customer_360 c using (customer_id)
               where c.center_id in (select unnest(cast(? as varchar[])))
                 and cast(a.detected_at as date) between ? and ?
               group by all order by anomalies desc, typology""",  # noqa: S608 - constant
            [ids, period.start, period.end],
        )
    )
    return {"rows": rows, "total": sum(int(r["anomalies"]) for r in rows)}  # type: ignore[call-overload]
