"""Queues: service level and abandon by 30-minute interval, wait distribution, worst intervals."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards import data, ui
from dashboards.kpis import (
    QUEUE_FILTER,
    QUEUE_MEASURES,
    WAIT_BUCKET,
    WAIT_CAP,
    WAIT_FILTER,
    WAIT_MART,
    wait_distribution_sql,
)

ui.header("Queues", "队列", "Where and when callers wait: 30-minute intervals by weekday, waits and abandons.")
f = ui.filters()
ui.filter_note(f)

WEEKDAYS = ["Mon 周一", "Tue 周二", "Wed 周三", "Thu 周四", "Fri 周五", "Sat 周六", "Sun 周日"]
HEATMAP_MEASURES = {
    "Service level": ("service_level", ".0%", "redyellowgreen", False),
    "Abandon rate": ("abandon_rate", ".0%", "redyellowgreen", True),
    "Calls offered": ("offered", ",.0f", "blues", False),
    "ASA (s)": ("asa_seconds", ".0f", "redyellowgreen", True),
}
MIN_BUCKET_CALLS = 10


def by_queue() -> None:
    where, params = f.where(**QUEUE_FILTER)
    frame = data.query(
        f"select queue, {QUEUE_MEASURES} from marts.agg_queue_daily where {where} "  # noqa: S608
        "group by queue order by offered desc",
        params,
    )
    if ui.is_empty(frame):
        return
    st.subheader("By queue")
    ui.table(frame, "queues_by_queue", column_config={
        "service_level": st.column_config.ProgressColumn("Service level", format="percent", min_value=0, max_value=1),
        "abandon_rate": st.column_config.NumberColumn("Abandon rate", format="percent"),
        "asa_seconds": st.column_config.NumberColumn("ASA (s)", format="%.0f"),
        "aht_seconds": st.column_config.NumberColumn("AHT (s)", format="%.0f"),
        "max_wait_seconds": st.column_config.NumberColumn("Max wait (s)", format="%.0f"),
    })


def heatmap() -> None:
    where, params = f.where(**QUEUE_FILTER)
    frame = data.query(
        f"select isodow(interval_start) as dow, strftime(interval_start, '%H:%M') as slot, "  # noqa: S608
        f"{QUEUE_MEASURES} from marts.agg_queue_interval where {where} group by all",
        params,
    )
    if ui.is_empty(frame):
        ui.no_data("no interval data in the selected period and filters.")
        return
    frame["weekday"] = frame["dow"].map(lambda d: WEEKDAYS[int(d) - 1])
    choice = st.segmented_control("Heatmap measure", list(HEATMAP_MEASURES), default="Service level", key="heat_measure")
    column, fmt, scheme, reverse = HEATMAP_MEASURES[choice or "Service level"]
    heat = (
        alt.Chart(frame, title=f"{choice or 'Service level'} by weekday and 30-minute interval")
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("slot:O", title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("weekday:O", title=None, sort=WEEKDAYS),
            color=alt.Color(f"{column}:Q", title=None, scale=alt.Scale(scheme=scheme, reverse=reverse),
                            legend=alt.Legend(format=fmt)),
            tooltip=["weekday:O", "slot:O", alt.Tooltip("offered:Q", format=",.0f"),
                     alt.Tooltip("service_level:Q", format=".1%"), alt.Tooltip("abandon_rate:Q", format=".1%"),
                     alt.Tooltip("asa_seconds:Q", format=".0f", title="ASA (s)")],
        )
        .properties(height=260)
    )
    ui.chart(heat)
    shown = frame[["weekday", "slot", "offered", "answered", "abandoned", "service_level", "abandon_rate", "asa_seconds"]]
    ui.download(shown.sort_values(["weekday", "slot"]), "queues_heatmap")


def waits() -> None:
    where, params = f.where(**WAIT_FILTER)
    # The pre-aggregated mart when the serving copy has it, else the fact (same result).
    frame = data.query(wait_distribution_sql(where, from_mart=data.has_table(WAIT_MART)), params)
    if ui.is_empty(frame):
        return
    left, right = st.columns(2)
    hist = (
        alt.Chart(frame, title=f"Wait distribution ({WAIT_BUCKET}-second buckets, {WAIT_CAP}s+ last)")
        .mark_bar()
        .encode(
            x=alt.X("wait_from:Q", title="wait (s)", bin=alt.Bin(step=WAIT_BUCKET, extent=[0, WAIT_CAP + WAIT_BUCKET])),
            # Most calls wait a few seconds; a square-root axis keeps the long tail visible.
            y=alt.Y("calls:Q", title="calls (√ scale)", stack="zero", scale=alt.Scale(type="sqrt")),
            color=alt.Color("outcome:N", title=None, scale=alt.Scale(range=ui.PALETTE)),
            tooltip=["wait_from:Q", "outcome:N", "calls:Q"],
        )
    )
    left.altair_chart(hist, width="stretch")
    pivot = frame.pivot_table(index="wait_from", columns="outcome", values="calls", aggfunc="sum", fill_value=0)
    abandoned = pivot.get("abandoned")
    if abandoned is not None and abandoned.sum() > 0:
        total = pivot.sum(axis=1)
        curve = (
            pivot.assign(
                # A rate over a handful of calls is noise: only buckets with enough calls.
                abandon_rate=(abandoned / total).where(total >= MIN_BUCKET_CALLS),
                cumulative_abandons=abandoned.cumsum() / abandoned.sum(),
            )
            .reset_index()[["wait_from", "abandon_rate", "cumulative_abandons"]]
            .melt(id_vars="wait_from", var_name="measure")
            .dropna(subset=["value"])
        )
        curve["measure"] = curve["measure"].map({
            "abandon_rate": "Abandon rate at this wait",
            "cumulative_abandons": "Share of all abandons by this wait",
        })
        line = ui.line_with_target(curve, "wait_from", "value", title="Abandon by wait", color="measure", x_type="Q")
        right.altair_chart(line, width="stretch")
    else:
        right.info("No abandoned calls in this selection.")
    ui.download(frame, "queues_wait_distribution", label="Download wait distribution CSV")


def worst_intervals() -> None:
    where, params = f.where(**QUEUE_FILTER)
    frame = data.query(
        "select interval_start, queue, offered, answered, abandoned, service_level, abandon_rate, "  # noqa: S608
        f"asa_seconds, max_wait_seconds from marts.agg_queue_interval where offered >= 3 and {where} "
        "order by service_level asc nulls last, abandon_rate desc limit 15",
        params,
    )
    if ui.is_empty(frame):
        return
    st.subheader("Worst intervals")
    st.caption("Lowest service level among intervals with at least 3 calls offered.")
    ui.table(frame, "queues_worst_intervals", column_config={
        "interval_start": st.column_config.DatetimeColumn("Interval", format="YYYY-MM-DD HH:mm"),
        "service_level": st.column_config.ProgressColumn("Service level", format="percent", min_value=0, max_value=1),
        "abandon_rate": st.column_config.NumberColumn("Abandon rate", format="percent"),
        "asa_seconds": st.column_config.NumberColumn("ASA (s)", format="%.0f"),
        "max_wait_seconds": st.column_config.NumberColumn("Max wait (s)", format="%.0f"),
    })


if ui.require(["marts.agg_queue_interval", "marts.agg_queue_daily", "marts.fct_queue_calls"],
              "queue intervals appear after the first `ccdw build`."):
    heatmap()
    waits()
    by_queue()
    worst_intervals()
