"""Tickets: SLA by category, department and center; reopen rates; complaint trends."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards import data, ui

ui.header("Tickets", "工单", "Service requests and complaints: resolved within 24 hours, reopened, and complaint trends.")
f = ui.filters()
ui.filter_note(f, uses_queue=False)

TICKET_FILTER = {"date_expr": "cast(t.created_at as date)", "center_expr": "t.center_id"}
# Dimension label → the constant SQL expression it groups by.
DIMENSIONS = {
    "Category": "coalesce(t.category, 'unknown')",
    "Department": "coalesce(t.department, 'unknown')",
    "Center": "coalesce(c.name, t.center_id, 'unknown')",
}
MEASURES = (
    "count(*) as tickets, avg(t.resolved_within_24h::int) as sla_24h, "
    "avg(t.resolution_hours) as mean_resolution_hours, avg((t.reopen_count > 0)::int) as reopen_rate, "
    "count(*) filter (t.category = 'complaint') as complaints, avg(t.satisfaction) as satisfaction, "
    "avg(t.first_contact_resolved::int) as fcr_rate"
)


def joins() -> str:
    if data.has_table("marts.dim_center"):
        return "from marts.fct_tickets t left join marts.dim_center c on c.center_id = t.center_id"
    return "from marts.fct_tickets t left join (select null::varchar as center_id, null::varchar as name) c using (center_id)"


def cards(where: str, params: list) -> bool:
    totals = data.query(f"select {MEASURES} {joins()} where {where}", params)  # noqa: S608 (constants)
    if ui.is_empty(totals) or not ui.value_of(totals, "tickets"):
        ui.no_data("no tickets in the selected period and filters.")
        return False
    cols = st.columns(5)
    cols[0].metric("Tickets", ui.num(ui.value_of(totals, "tickets")), border=True)
    sla = ui.value_of(totals, "sla_24h")
    cols[1].metric("Resolved within 24 h", ui.pct(sla), ui.delta(sla, ui.TARGETS["ticket_sla_24h"], as_pct_points=True),
                   delta_description="vs target", border=True)
    cols[2].metric("Reopen rate", ui.pct(ui.value_of(totals, "reopen_rate")), border=True)
    cols[3].metric("Complaints", ui.num(ui.value_of(totals, "complaints")), border=True)
    satisfaction = ui.value_of(totals, "satisfaction")
    cols[4].metric("Satisfaction (1–5)", "—" if satisfaction is None else f"{satisfaction:.2f}", border=True)
    return True


def by_dimension(where: str, params: list) -> None:
    st.subheader("SLA and reopen rate by dimension")
    label = st.segmented_control("Break down by", list(DIMENSIONS), default="Category", key="ticket_dimension")
    label = label or "Category"
    expr = DIMENSIONS[label]
    frame = data.query(
        f"select {expr} as {label.lower()}, {MEASURES} {joins()} where {where} "  # noqa: S608 (constants)
        "group by 1 order by tickets desc",
        params,
    )
    if ui.is_empty(frame):
        st.info("No tickets.")
        return
    name = label.lower()
    left, right = st.columns(2)
    left.altair_chart(ui.bars(frame, "sla_24h", name, title=f"Resolved within 24 h by {name}", x_format=".0%",
                              target=ui.TARGETS["ticket_sla_24h"]), width="stretch")
    right.altair_chart(ui.bars(frame, "reopen_rate", name, title=f"Reopen rate by {name}", x_format=".0%"),
                       width="stretch")
    ui.table(frame, f"tickets_by_{name}", column_config={
        "sla_24h": st.column_config.ProgressColumn("Within 24 h", format="percent", min_value=0, max_value=1),
        "reopen_rate": st.column_config.NumberColumn("Reopen rate", format="percent"),
        "fcr_rate": st.column_config.NumberColumn("FCR", format="percent"),
        "mean_resolution_hours": st.column_config.NumberColumn("Mean resolution (h)", format="%.1f"),
        "satisfaction": st.column_config.NumberColumn(format="%.2f"),
    })


def complaints(where: str, params: list) -> None:
    st.subheader("Complaint trends · 投诉趋势")
    frame = data.query(
        "select cast(t.created_at as date) as day, coalesce(c.name, t.center_id, 'unknown') as center, "  # noqa: S608
        f"count(*) as complaints {joins()} where t.category = 'complaint' and {where} group by all order by day",
        params,
    )
    if ui.is_empty(frame):
        st.info("No complaints in the selected period.")
        return
    trend = (
        alt.Chart(frame, title="Complaints per day by center")
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("complaints:Q", title=None, stack="zero"),
            color=alt.Color("center:N", title=None, scale=alt.Scale(range=ui.PALETTE)),
            tooltip=["day:T", "center:N", "complaints:Q"],
        )
    )
    ui.chart(trend)
    ui.download(frame, "tickets_complaints_daily")


if ui.require(["marts.fct_tickets"], "tickets appear after the first `ccdw build`."):
    t_where, t_params = f.where(**TICKET_FILTER)
    if cards(t_where, t_params):
        by_dimension(t_where, t_params)
        complaints(t_where, t_params)
