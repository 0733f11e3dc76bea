"""Fund anomalies: the alert queue with reasons, status and RM feedback; per-typology trends."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards import data, ui

ui.header("Fund anomalies", "资金异常",
          "Suspicious account activity flagged by the models, with the RM's verdict (dated by the activity window's end).")
f = ui.filters()
ui.filter_note(f, uses_queue=False)

STATUS_ORDER = ["open", "follow_up", "confirmed", "expected", "false_positive"]


def alert_where() -> tuple[str, list]:
    # Dated by the suspicious activity (window end), not by when the model happened to run.
    where, params = f.where(date_expr="cast(a.window_end as date)")
    if f.centers and data.has_table("marts.mart_customer_360"):
        c_where, c_params = f.where(center_expr="center_id", use_dates=False)
        where += f" and a.customer_id in (select customer_id from marts.mart_customer_360 where {c_where})"  # noqa: S608 (trusted fragments, values bound)
        params += c_params
    return where, params


def feedback_columns() -> tuple[str, str]:
    """Latest RM feedback and delivery status, when those ops tables exist."""
    select = ", 'open' as status, null::varchar as feedback_note, null::timestamp as feedback_at"
    joins = ""
    if data.has_table("ops.alert_feedback"):
        select = (
            ", coalesce(fb.disposition, 'open') as status, fb.note as feedback_note, fb.given_at as feedback_at"
        )
        joins = (
            " left join (select anomaly_id, arg_max(disposition, given_at) as disposition, "
            "arg_max(note, given_at) as note, max(given_at) as given_at "
            "from ops.alert_feedback group by anomaly_id) fb using (anomaly_id)"
        )
    if data.has_table("ops.outbox"):
        select += (
            ", (select string_agg(distinct o.status, ', ') from ops.outbox o where o.kind = 'alert' "
            "and starts_with(o.idempotency_key, 'alert:' || a.anomaly_id || ':')) as delivery"
        )
    else:
        select += ", null::varchar as delivery"
    return select, joins


def load() -> None:
    where, params = alert_where()
    select, joins = feedback_columns()
    alerts = data.query(
        "select a.anomaly_id, a.typology, a.score, a.reasons, a.customer_id, a.account_id, a.rm_id, "  # noqa: S608
        f"a.window_start, a.window_end, len(a.txn_ids) as n_txns, a.detected_at {select} "
        f"from ml.fund_anomalies a {joins} where {where} order by a.score desc, a.detected_at desc",
        params,
    )
    if ui.is_empty(alerts):
        ui.no_data("no anomalies detected in the selected period.")
        return
    reviewed = alerts[alerts["status"] != "open"]
    cards = st.columns(4)
    cards[0].metric("Alerts", ui.num(len(alerts)), border=True)
    cards[1].metric("Awaiting review", ui.num((alerts["status"] == "open").sum()), border=True)
    cards[2].metric("Confirmed", ui.num((alerts["status"] == "confirmed").sum()), border=True)
    fp = (reviewed["status"] == "false_positive").mean() if len(reviewed) else None
    cards[3].metric("False-positive rate (reviewed)", ui.pct(fp), border=True)

    st.subheader("Alert queue")
    left, right = st.columns(2)
    statuses = left.multiselect("Status", sorted(alerts["status"].unique(), key=lambda s: (s not in STATUS_ORDER, s)),
                                key="alert_status", placeholder="All statuses")
    typologies = right.multiselect("Typology", sorted(alerts["typology"].unique()), key="alert_typology",
                                   placeholder="All typologies")
    shown = alerts
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    if typologies:
        shown = shown[shown["typology"].isin(typologies)]
    ordered = ["anomaly_id", "status", "typology", "score", "reasons"]
    shown = shown[ordered + [c for c in shown.columns if c not in ordered]]
    ui.table(shown, "fund_anomalies_queue", column_config={
        "score": st.column_config.ProgressColumn("Score", format="%.2f", min_value=0, max_value=1),
        "detected_at": st.column_config.DatetimeColumn("Detected", format="YYYY-MM-DD HH:mm"),
        "reasons": st.column_config.TextColumn("Reasons", width="large"),
        "window_start": st.column_config.DatetimeColumn(format="MM-DD HH:mm"),
        "window_end": st.column_config.DatetimeColumn(format="MM-DD HH:mm"),
    })

    st.subheader("Trends by typology")
    daily = (
        alerts.assign(day=alerts["window_end"].dt.normalize())
        .groupby(["day", "typology"], as_index=False)
        .size()
        .rename(columns={"size": "alerts"})
    )
    left, right = st.columns(2)
    trend = (
        alt.Chart(daily, title="Alerts per day of activity, by typology")
        .mark_bar()
        .encode(
            x=alt.X("monthdate(day):O", title=None, axis=alt.Axis(format="%m-%d", labelAngle=0)),
            y=alt.Y("alerts:Q", title=None, stack="zero"),
            color=alt.Color("typology:N", title=None, scale=alt.Scale(range=ui.PALETTE)),
            tooltip=["day:T", "typology:N", "alerts:Q"],
        )
    )
    left.altair_chart(trend, width="stretch")
    verdicts = alerts.groupby(["typology", "status"], as_index=False).size().rename(columns={"size": "alerts"})
    outcome = (
        alt.Chart(verdicts, title="Review status by typology")
        .mark_bar()
        .encode(
            y=alt.Y("typology:N", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("alerts:Q", title=None, stack="normalize", axis=alt.Axis(format=".0%")),
            color=alt.Color("status:N", title=None, sort=STATUS_ORDER,
                            scale=alt.Scale(domain=STATUS_ORDER, range=["#9e9e9e", "#f2b134", ui.BAD, ui.GOOD, ui.PALETTE[0]])),
            tooltip=["typology:N", "status:N", "alerts:Q"],
        )
        .properties(height=ui.bar_height(verdicts["typology"].nunique()))
    )
    right.altair_chart(outcome, width="stretch")
    ui.download(daily, "fund_anomalies_daily_by_typology", label="Download daily trend CSV")


if ui.require(["ml.fund_anomalies"], "fund anomalies appear after `ccdw score`."):
    load()
