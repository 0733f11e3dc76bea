"""Agents: performance table, ranking, and one agent's days."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards import data, ui

ui.header("Agents", "坐席", "Handled calls, handle time, occupancy, ring-no-answer and transfers per agent.")
f = ui.filters()
ui.filter_note(f)

RANK_BY = {
    "Calls handled": ("calls_handled", ",.0f", "-x"),
    "AHT (s)": ("aht_seconds", ".0f", "x"),
    "Occupancy": ("occupancy", ".0%", "-x"),
    "Ring-no-answer": ("ring_no_answer", ",.0f", "-x"),
    "Transfers": ("transfers", ",.0f", "-x"),
}


def agent_where() -> tuple[str, list]:
    """Dates on the agent-day, center via the agent's center, queue via calls answered there."""
    where, params = f.where(date_expr="d.date")
    if f.centers:
        c_where, c_params = f.where(center_expr="a.center_id", use_dates=False)
        where, params = f"{where} and {c_where}", params + c_params
    if f.queues and data.has_table("marts.fct_queue_calls"):
        q_where, q_params = f.where(date_expr="cast(entered_at as date)", queue_expr="queue")
        where += f" and d.agent_id in (select agent_id from marts.fct_queue_calls where {q_where})"  # noqa: S608 (trusted fragments, values bound)
        params += q_params
    return where, params


def agent_join() -> str:
    if data.has_table("marts.dim_agent"):
        return "left join marts.dim_agent a using (agent_id)"
    return "left join (select null::varchar as agent_id, null::varchar as name, null::varchar as team, null::varchar as center_id) a using (agent_id)"


if ui.require(["marts.agg_agent_daily"], "agent KPIs appear after the first `ccdw build`."):
    where, params = agent_where()
    performance = data.query(
        "select d.agent_id, any_value(a.name) as name, any_value(a.team) as team, "  # noqa: S608
        "any_value(a.center_id) as center_id, count(distinct d.date) as days, "
        "sum(d.calls_handled)::bigint as calls_handled, "
        "sum(d.talk_seconds) / nullif(sum(d.calls_handled), 0) as aht_seconds, "
        "sum(d.occupancy * d.logged_in_seconds) / nullif(sum(d.logged_in_seconds) filter (d.occupancy is not null), 0) as occupancy, "
        "sum(d.ring_no_answer)::bigint as ring_no_answer, sum(d.transfers)::bigint as transfers, "
        "sum(d.transfers) / nullif(sum(d.calls_handled), 0) as transfer_rate "
        f"from marts.agg_agent_daily d {agent_join()} where {where} "
        "group by d.agent_id order by calls_handled desc",
        params,
    )
    if ui.is_empty(performance):
        ui.no_data("no agent activity in the selected period and filters.")
    else:
        cards = st.columns(4)
        cards[0].metric("Agents active", ui.num(len(performance)), border=True)
        cards[1].metric("Calls handled", ui.num(performance["calls_handled"].sum()), border=True)
        talk = (performance["aht_seconds"] * performance["calls_handled"]).sum()
        cards[2].metric("AHT", ui.secs(talk / max(performance["calls_handled"].sum(), 1)), border=True)
        cards[3].metric("Ring-no-answer", ui.num(performance["ring_no_answer"].sum()), border=True)

        st.subheader("Ranking")
        choice = st.segmented_control("Rank by", list(RANK_BY), default="Calls handled", key="rank_by")
        column, fmt, order = RANK_BY[choice or "Calls handled"]
        ranked = performance.assign(label=performance["name"].fillna(performance["agent_id"]) + " · " + performance["agent_id"])
        ranked = ranked.dropna(subset=[column]).sort_values(column, ascending=order == "x").head(15)
        ui.chart(ui.bars(ranked, column, "label", title=f"Top 15 by {choice or 'Calls handled'}", x_format=fmt, sort=order))

        st.subheader("Performance")
        ui.table(performance, "agents_performance", column_config={
            "aht_seconds": st.column_config.NumberColumn("AHT (s)", format="%.0f"),
            "occupancy": st.column_config.ProgressColumn("Occupancy", format="percent", min_value=0, max_value=1),
            "transfer_rate": st.column_config.NumberColumn("Transfer rate", format="percent"),
        })

        st.subheader("One agent's days")
        labels = dict(zip(performance["agent_id"], performance["name"].fillna(""), strict=True))
        agent = st.selectbox("Agent", list(labels), format_func=lambda a: f"{labels[a]} · {a}", key="agent_pick")
        days = data.query(
            "select d.date, d.calls_handled, d.aht_seconds, d.occupancy, d.ring_no_answer, d.transfers, "
            "d.logged_in_seconds, d.paused_seconds from marts.agg_agent_daily d "
            "where d.agent_id = ? and d.date between ? and ? order by d.date",
            [agent, f.start, f.end],
        )
        if not ui.is_empty(days):
            base = alt.Chart(days).encode(x=alt.X("date:T", title=None))
            handled = base.mark_bar(color=ui.PALETTE[0], opacity=0.7).encode(
                y=alt.Y("calls_handled:Q", title="calls handled"), tooltip=["date:T", "calls_handled:Q"])
            aht = base.mark_line(color=ui.PALETTE[1], point=True, strokeWidth=2).encode(
                y=alt.Y("aht_seconds:Q", title="AHT (s)"), tooltip=["date:T", alt.Tooltip("aht_seconds:Q", format=".0f")])
            ui.chart(alt.layer(handled, aht, title=f"{labels[agent]} · calls handled (bars) and AHT (line)")
                     .resolve_scale(y="independent"))
            ui.table(days, f"agent_{agent}_days", column_config={
                "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD ddd"),
                "aht_seconds": st.column_config.NumberColumn("AHT (s)", format="%.0f"),
                "occupancy": st.column_config.NumberColumn("Occupancy", format="percent"),
            })
