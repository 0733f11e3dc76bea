"""Campaigns: call lists, dial attempts, contact rate, conversions and lift versus control."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards import data, ui

ui.header("Campaigns", "外呼营销", "Outbound call lists, what the dialer did with them, and whether calling made a difference.")
f = ui.filters()
ui.filter_note(f, uses_queue=False)

CONTACTED = ("answered", "ANSWERED", "answer", "ANSWER", "contacted", "connected")
AGG_TABLE = "marts.agg_campaign_daily"


def center_clause(alias: str) -> tuple[str, list]:
    if f.centers and data.has_table("marts.mart_customer_360"):
        c_where, c_params = f.where(center_expr="center_id", use_dates=False)
        return f" and {alias}.customer_id in (select customer_id from marts.mart_customer_360 where {c_where})", c_params  # noqa: S608 (trusted fragments, values bound)
    return "", []


def lists() -> None:
    where, params = f.where(date_expr="cast(m.eligible_from as date)")
    extra, extra_params = center_clause("m")
    frame = data.query(
        "select m.campaign_id, count(*) as members, count(*) filter (m.is_control) as control, "  # noqa: S608
        "count(*) filter (m.status = 'eligible' and not m.is_control) as eligible, "
        "count(*) filter (m.status = 'queued') as queued, count(*) filter (m.status = 'dialing') as dialing, "
        "count(*) filter (m.status = 'done') as done, count(*) filter (m.status = 'excluded') as excluded, "
        "min(m.eligible_from) as first_eligible, max(m.eligible_to) as last_eligible "
        f"from ops.campaign_members m where {where}{extra} group by m.campaign_id order by members desc",
        params + extra_params,
    )
    if ui.is_empty(frame):
        ui.no_data("no campaign members in the selected period (`ccdw campaigns build`).")
        return
    st.subheader("Call lists")
    status = frame.melt(id_vars="campaign_id", value_vars=["eligible", "queued", "dialing", "done", "excluded", "control"],
                        var_name="status", value_name="count")
    chart = (
        alt.Chart(status, title="Members per campaign by status")
        .mark_bar()
        .encode(
            y=alt.Y("campaign_id:N", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("count:Q", title=None, stack="zero"),
            color=alt.Color("status:N", title=None, scale=alt.Scale(range=ui.PALETTE)),
            tooltip=["campaign_id:N", "status:N", "count:Q"],
        )
        .properties(height=ui.bar_height(len(frame)))
    )
    ui.chart(chart)
    ui.table(frame, "campaign_lists")
    reasons = data.query(
        "select m.campaign_id, m.exclusion_reason, count(*) as members from ops.campaign_members m "  # noqa: S608
        f"where m.status = 'excluded' and {where}{extra} group by all order by members desc",
        params + extra_params,
    )
    if not ui.is_empty(reasons):
        with st.expander("Why members were excluded"):
            ui.table(reasons, "campaign_exclusions")


def attempts() -> None:
    if not data.has_table("ops.dial_attempts"):
        ui.no_data("dial attempts appear after `ccdw dial`.", ["ops.dial_attempts"])
        return
    where, params = f.where(date_expr="cast(a.sent_at as date)")
    extra, extra_params = center_clause("m")
    frame = data.query(
        "select m.campaign_id, m.is_control, count(*) as attempts, count(distinct a.member_id) as members_dialled, "  # noqa: S608
        "count(distinct a.member_id) filter (list_contains(?::varchar[], a.final_status)) as members_contacted "
        "from ops.dial_attempts a join ops.campaign_members m using (member_id) "
        f"where {where}{extra} group by all order by attempts desc",
        [list(CONTACTED), *params, *extra_params],
    )
    st.subheader("Attempts and contact rate")
    if ui.is_empty(frame):
        ui.no_data("no dial attempts in the selected period.")
        return
    frame["contact_rate"] = frame["members_contacted"] / frame["members_dialled"].where(frame["members_dialled"] > 0)
    cards = st.columns(3)
    cards[0].metric("Attempts", ui.num(frame["attempts"].sum()), border=True)
    cards[1].metric("Members dialled", ui.num(frame["members_dialled"].sum()), border=True)
    total_rate = frame["members_contacted"].sum() / max(frame["members_dialled"].sum(), 1)
    cards[2].metric("Contact rate", ui.pct(total_rate), border=True)
    ui.chart(ui.bars(frame[~frame["is_control"]], "contact_rate", "campaign_id", title="Contact rate per campaign",
                     x_format=".0%"))
    by_day = data.query(
        "select cast(a.sent_at as date) as day, coalesce(a.final_status, a.response, 'pending') as final_status, "  # noqa: S608
        "count(*) as attempts from ops.dial_attempts a join ops.campaign_members m using (member_id) "
        f"where {where}{extra} group by all order by day",
        params + extra_params,
    )
    if not ui.is_empty(by_day):
        ui.chart(
            alt.Chart(by_day, title="Attempts per day by final status")
            .mark_bar()
            .encode(x=alt.X("monthdate(day):O", title=None, axis=alt.Axis(format="%m-%d", labelAngle=0)), y=alt.Y("attempts:Q", title=None),
                    color=alt.Color("final_status:N", title=None, scale=alt.Scale(range=ui.PALETTE)),
                    tooltip=["day:T", "final_status:N", "attempts:Q"])
        )
    ui.table(frame, "campaign_attempts", column_config={
        "contact_rate": st.column_config.NumberColumn("Contact rate", format="percent")})


def lift() -> None:
    st.subheader("Conversions and lift vs control")
    if not data.has_table(AGG_TABLE):
        ui.no_data("conversions appear when the campaign marts are built.", [AGG_TABLE])
        return
    where, params = f.where(date_expr="date")
    frame = data.query(
        "select campaign_id, sum(treated_members)::bigint as treated_members, "  # noqa: S608 (constant)
        "sum(control_members)::bigint as control_members, sum(conversions_treated)::bigint as conversions_treated, "
        "sum(conversions_control)::bigint as conversions_control "
        f"from {AGG_TABLE} where {where} group by campaign_id order by treated_members desc",
        params,
    )
    if ui.is_empty(frame):
        ui.no_data("no campaign outcomes in the selected period.")
        return
    frame["rate_called"] = frame["conversions_treated"] / frame["treated_members"].where(frame["treated_members"] > 0)
    frame["rate_control"] = frame["conversions_control"] / frame["control_members"].where(frame["control_members"] > 0)
    # Lift as the difference of conversion rates (percentage points); service campaigns
    # (callbacks owed to the caller) have no control group, so no lift.
    frame["lift_pts"] = (frame["rate_called"] - frame["rate_control"]) * 100
    rates = frame.melt(id_vars="campaign_id", value_vars=["rate_called", "rate_control"], var_name="group",
                       value_name="conversion_rate").dropna(subset=["conversion_rate"])
    rates["group"] = rates["group"].map({"rate_called": "called", "rate_control": "control"})
    if not rates.empty:
        chart = (
            alt.Chart(rates, title="Conversion rate: called vs control")
            .mark_bar()
            .encode(
                y=alt.Y("campaign_id:N", title=None, axis=alt.Axis(labelLimit=220)), yOffset="group:N",
                x=alt.X("conversion_rate:Q", title=None, axis=alt.Axis(format=".0%")),
                color=alt.Color("group:N", title=None,
                                scale=alt.Scale(domain=["called", "control"], range=[ui.PALETTE[0], "#9e9e9e"])),
                tooltip=["campaign_id:N", "group:N", alt.Tooltip("conversion_rate:Q", format=".1%")],
            )
            .properties(height=ui.bar_height(2 * len(frame)))
        )
        ui.chart(chart)
    ui.table(frame, "campaign_lift", column_config={
        "rate_called": st.column_config.NumberColumn("Called conversion", format="percent"),
        "rate_control": st.column_config.NumberColumn("Control conversion", format="percent"),
        "lift_pts": st.column_config.NumberColumn("Lift (pts)", format="%+.1f"),
    })


if ui.require(["ops.campaign_members"], "campaign lists appear after `ccdw campaigns build`."):
    lists()
    attempts()
    lift()
