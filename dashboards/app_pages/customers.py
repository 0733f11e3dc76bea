"""Customers: value segments, Pareto curve, segment movement, and the 360 lookup."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, lookup, ui

ui.header("Customers", "客户", "Who is valuable, how value concentrates, and one customer's full picture (PII masked).")
f = ui.filters()
ui.filter_note(f, uses_queue=False)

HISTORY_TABLE = "ml.customer_value_history"


def scored_where() -> tuple[str, list]:
    """Current scores; the center filter applies through the customer's home center."""
    if f.centers and data.has_table("marts.mart_customer_360"):
        c_where, c_params = f.where(center_expr="center_id", use_dates=False)
        return f"v.customer_id in (select customer_id from marts.mart_customer_360 where {c_where})", c_params  # noqa: S608 (trusted fragments, values bound)
    return "true", []


def segments() -> None:
    where, params = scored_where()
    frame = data.query(
        "select segment, count(*) as customers, avg(value_score) as mean_value_score, "  # noqa: S608
        "sum(value_score) as total_value_score, avg(is_high_value::int) as high_value_share, "
        f"max(scored_at) as scored_at from ml.customer_value v where {where} "
        "group by segment order by total_value_score desc",
        params,
    )
    if ui.is_empty(frame):
        ui.no_data("customers have not been scored yet (`ccdw score`).")
        return
    st.caption(f"Scores as of {pd.Timestamp(frame['scored_at'].max()):%Y-%m-%d %H:%M}; the date range does not apply to current scores.")
    total = frame["customers"].sum()
    cards = st.columns(3)
    cards[0].metric("Customers scored", ui.num(total), border=True)
    high = (frame["high_value_share"] * frame["customers"]).sum()
    cards[1].metric("High-value customers", ui.num(high), f"{high / total:.0%} of scored", delta_color="off", border=True)
    cards[2].metric("Segments", ui.num(len(frame)), border=True)
    left, right = st.columns(2)
    left.altair_chart(ui.bars(frame, "customers", "segment", title="Customers per value segment"), width="stretch")
    right.altair_chart(ui.bars(frame, "total_value_score", "segment", title="Total value score per segment"), width="stretch")
    ui.table(frame.drop(columns=["scored_at"]), "customer_segments", column_config={
        "high_value_share": st.column_config.NumberColumn("High-value share", format="percent"),
        "mean_value_score": st.column_config.NumberColumn(format="%.2f"),
        "total_value_score": st.column_config.NumberColumn(format="%.1f"),
    })


def pareto() -> None:
    where, params = scored_where()
    # One sort: rank and running value share in the same window, most valuable first.
    frame = data.query(
        "with scores as (select value_score, greatest(value_score, 0) as value "  # noqa: S608
        f"from ml.customer_value v where {where}), "
        "totals as (select count(*) as total, sum(value) as value_total from scores), "
        "curve as (select row_number() over w as n, sum(value) over w as running from scores "
        "window w as (order by value_score desc rows between unbounded preceding and current row)) "
        "select n / total as customer_share, running / nullif(value_total, 0) as value_share, "
        "max(running) filter (n <= ceil(total * 0.2)) over () / nullif(value_total, 0) as top20 "
        "from curve, totals "
        # Keep the curve light (about 200 points) however many customers there are.
        "qualify n % greatest(total // 200, 1) = 0 or n = total order by n",
        params,
    )
    if ui.is_empty(frame) or frame["value_share"].isna().all():
        return
    top20 = float(frame["top20"].iloc[0])
    curve = pd.concat(
        [pd.DataFrame({"customer_share": [0.0], "value_share": [0.0]}), frame[["customer_share", "value_share"]]]
    ).drop_duplicates("customer_share")
    line = (
        alt.Chart(curve, title=f"Pareto: the top 20% of customers hold {top20:.0%} of value")
        .mark_area(line={"color": ui.PALETTE[0]}, color=ui.PALETTE[0], opacity=0.25)
        .encode(
            x=alt.X("customer_share:Q", title="share of customers (most valuable first)", axis=alt.Axis(format=".0%")),
            y=alt.Y("value_share:Q", title="share of value", axis=alt.Axis(format=".0%"), stack=None,
                    scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("customer_share:Q", format=".1%"), alt.Tooltip("value_share:Q", format=".1%")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"x": [0.2]})).mark_rule(color=ui.BAD, strokeDash=[6, 4]).encode(x="x:Q")
    st.subheader("Value concentration")
    ui.chart(line + rule)
    ui.download(curve, "customer_pareto", label="Download Pareto curve CSV")


def movement() -> None:
    st.subheader("Segment movement")
    if not data.has_table(HISTORY_TABLE):
        ui.no_data("segment movement needs the scores of at least two scoring runs.", [HISTORY_TABLE])
        return
    frame = data.query(
        "with runs as (select distinct scored_at from ml.customer_value_history order by scored_at desc limit 2), "
        "cur as (select customer_id, segment from ml.customer_value_history where scored_at = (select max(scored_at) from runs)), "
        "prev as (select customer_id, segment from ml.customer_value_history where scored_at = (select min(scored_at) from runs)) "
        "select prev.segment as previous_segment, cur.segment as current_segment, count(*) as customers "
        "from cur join prev using (customer_id) where (select count(*) from runs) = 2 group by all",
    )
    if ui.is_empty(frame):
        ui.no_data("segment movement needs the scores of at least two scoring runs.")
        return
    heat = (
        alt.Chart(frame, title="Customers moving between segments (previous run → latest run)")
        .mark_rect()
        .encode(
            x=alt.X("current_segment:N", title="latest segment"),
            y=alt.Y("previous_segment:N", title="previous segment"),
            color=alt.Color("customers:Q", scale=alt.Scale(scheme="blues"), title=None),
            tooltip=["previous_segment:N", "current_segment:N", "customers:Q"],
        )
    )
    text = heat.mark_text(baseline="middle").encode(text="customers:Q", color=alt.value("black"))
    ui.chart(heat + text)
    ui.download(frame, "customer_segment_movement")


def present(value: object) -> bool:
    return value is not None and not (pd.api.types.is_scalar(value) and pd.isna(value))


def text(value: object) -> str:
    return str(value) if present(value) and str(value) else "—"


def customer_lookup() -> None:
    st.subheader("Customer lookup · 客户查询")
    typed = st.text_input("Customer ID or phone number", key="lookup", placeholder="e.g. C0001 or 138 1234 5678")
    if not typed:
        return
    result = lookup.find_customer(typed)
    if result.customer_id is None:
        st.warning(result.message)
        if result.phone_e164:
            calls = lookup.caller_history(result.phone_e164)
            if not ui.is_empty(calls):
                st.caption("Calls from this number (not linked to a customer):")
                ui.table(calls, "caller_history")
        return
    profile = lookup.customer_profile(result.customer_id)
    if ui.is_empty(profile):
        st.warning("The customer is not in the 360 view yet.")
        return
    row = profile.iloc[0]
    st.caption(result.message)
    st.markdown(f"### {row.get('name') or ''} · `{row['customer_id']}`")
    facts = [
        f"Phone `{text(row.get('phone_e164_masked'))}`",
        f"ID `{text(row.get('id_number_masked'))}`",
        " ".join(str(v) for v in (row.get("province"), row.get("city")) if present(v)),
        f"RM `{row['rm_id']}`" if present(row.get("rm_id")) else "no RM",
        "**do not call**" if present(row.get("do_not_call")) and bool(row.get("do_not_call")) else "",
    ]
    st.markdown(" · ".join(fact for fact in facts if fact))
    cols = st.columns(4)
    cols[0].metric("Total balance", ui.num(row.get("total_balance")), border=True)
    cols[1].metric("Annual premium", ui.num(row.get("annual_premium_total")), border=True)
    cols[2].metric("Premium overdue", ui.num(row.get("premium_overdue_amount")), border=True)
    cols[3].metric("Accounts · policies", f"{ui.num(row.get('n_accounts'))} · {ui.num(row.get('n_policies'))}", border=True)
    cols = st.columns(4)
    cols[0].metric("Calls (90 days)", ui.num(row.get("calls_90d")), border=True)
    cols[1].metric("Tickets (90 days)", ui.num(row.get("tickets_90d")), border=True)
    cols[2].metric("Open tickets", ui.num(row.get("open_tickets")), border=True)
    cols[3].metric("Complaints (90 days)", ui.num(row.get("complaints_90d")), border=True)
    if data.has_table("ml.customer_value"):
        value = data.query(
            "select segment, value_score, value_rank, is_high_value from ml.customer_value where customer_id = ?",
            [result.customer_id],
        )
        if not ui.is_empty(value):
            v = value.iloc[0]
            st.caption(f"Value segment **{v['segment']}**, rank {int(v['value_rank'])}"
                       + (" · high value" if present(v["is_high_value"]) and bool(v["is_high_value"]) else ""))
    with st.expander("All 360 fields (masked)"):
        st.dataframe(profile.T.astype(str).rename(columns={0: "value"}))
    history = lookup.contact_history(result.customer_id)
    st.markdown("#### Contact history · 接触记录")
    if ui.is_empty(history):
        st.info("No contacts recorded for this customer.")
        return
    timeline = (
        alt.Chart(history, title="Contacts over time")
        .mark_circle(size=90, opacity=0.8)
        .encode(
            x=alt.X("contact_at:T", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("channel:N", title=None),
            color=alt.Color("channel:N", legend=None, scale=alt.Scale(range=ui.PALETTE)),
            tooltip=["contact_at:T", "channel:N", "topic:N", "result:N", "detail:N"],
        )
        .properties(height=180)
    )
    ui.chart(timeline)
    ui.table(history, f"contact_history_{result.customer_id}")


if ui.require(["ml.customer_value"], "value segments appear after `ccdw score`."):
    segments()
    pareto()
    movement()
if ui.require(["marts.mart_customer_360"], "the customer 360 view appears after the first `ccdw build`."):
    customer_lookup()
