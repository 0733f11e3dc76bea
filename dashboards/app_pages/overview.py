"""Overview: the latest day's and the period's KPIs against targets, trends, period-over-period."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, ui
from dashboards.kpis import QUEUE_FILTER, QUEUE_MEASURES

ui.header("Overview", "总览", "Contact-center KPIs for the selected period against targets.")
f = ui.filters()
ui.filter_note(f)


COMPARED = (
    ("Calls offered", "offered", ui.num),
    ("Answered", "answered", ui.num),
    ("Abandoned", "abandoned", ui.num),
    ("Service level", "service_level", ui.pct),
    ("Abandon rate", "abandon_rate", ui.pct),
    ("ASA", "asa_seconds", ui.secs),
    ("AHT", "aht_seconds", ui.secs),
)


def signed(value: float | None, fmt: object) -> str:
    """A change in the measure's unit: rate points, seconds or a count, with its sign."""
    if value is None or pd.isna(value):
        return "—"
    if fmt is ui.pct:
        return f"{value * 100:+.1f} pts"
    if fmt is ui.secs:
        return f"{value:+.0f}s"
    return f"{value:+,.0f}"


def period_kpis(where: str, params: list) -> pd.DataFrame:
    return data.query(
        f"select {QUEUE_MEASURES} from marts.agg_queue_daily where {where}",  # noqa: S608 (constants)
        params,
    )


def card_row(frame: pd.DataFrame, compare: pd.DataFrame | None, label: str) -> None:
    """KPI cards; deltas against ``compare`` or, when None, against the targets."""
    targets = pd.DataFrame([ui.TARGETS])
    versus = compare if compare is not None else targets
    suffix = "vs prev." if compare is not None else "vs target"
    cols = st.columns(5)
    offered = ui.value_of(frame, "offered")
    cols[0].metric(
        f"Offered · {label}",
        ui.num(offered),
        ui.delta(offered, ui.value_of(compare, "offered")) if compare is not None else None,
        border=True,
    )
    specs = (
        ("Service level", "service_level", ui.pct, "normal", True),
        ("Abandon rate", "abandon_rate", ui.pct, "inverse", True),
        ("ASA", "asa_seconds", ui.secs, "inverse", False),
        ("AHT", "aht_seconds", ui.secs, "off", False),
    )
    for col, (name, key, fmt, colour, points) in zip(cols[1:], specs, strict=True):
        now, before = ui.value_of(frame, key), ui.value_of(versus, key)
        change = ui.delta(now, before, as_pct_points=points, as_seconds=not points)
        col.metric(
            name,
            fmt(now),
            change,
            delta_color=colour,
            delta_description=suffix if change else None,
            help=f"Target {fmt(ui.TARGETS[key])}" if key in ui.TARGETS else None,
            border=True,
        )


if ui.require(["marts.agg_queue_daily"], "queue KPIs appear after the first `ccdw build`."):
    where, params = f.where(**QUEUE_FILTER)
    daily = data.query(
        f"select date, {QUEUE_MEASURES} from marts.agg_queue_daily where {where} "  # noqa: S608
        "group by date order by date",
        params,
    )
    if ui.is_empty(daily):
        ui.no_data("no queue calls in the selected period and filters.")
    else:
        latest = daily["date"].max()
        latest_row = daily[daily["date"] == latest]
        st.subheader(f"Latest day · {pd.Timestamp(latest):%Y-%m-%d}")
        card_row(latest_row, None, "day")
        period = period_kpis(where, params)
        prev_where, prev_params = f.previous().where(**QUEUE_FILTER)
        previous = period_kpis(prev_where, prev_params)
        st.subheader(f"Period · {f.start:%m-%d} – {f.end:%m-%d}")
        card_row(period, previous if previous["offered"].notna().any() else None, "period")

        st.subheader("Trends")
        left, right = st.columns(2)
        rates = daily.melt(id_vars="date", value_vars=["service_level", "abandon_rate"], var_name="measure")
        rates["measure"] = rates["measure"].map({"service_level": "Service level", "abandon_rate": "Abandon rate"})
        sl_chart = ui.line_with_target(
            rates, "date", "value", title="Service level and abandon rate per day (dashed: SL target)",
            color="measure", target=ui.TARGETS["service_level"],
        )
        left.altair_chart(sl_chart, width="stretch")
        outcome = data.query(
            f"select date, sum(answered) as answered, sum(abandoned) as abandoned, "  # noqa: S608
            f"sum(offered) - sum(answered) - sum(abandoned) as other "
            f"from marts.agg_queue_daily where {where} group by date order by date",
            params,
        ).melt(id_vars="date", var_name="outcome", value_name="calls")
        volume = (
            alt.Chart(outcome, title="Calls offered per day by outcome")
            .mark_bar()
            .encode(
                x=alt.X("monthdate(date):O", title=None, axis=alt.Axis(format="%m-%d", labelAngle=0)),
                y=alt.Y("calls:Q", title=None, stack="zero"),
                color=alt.Color(
                    "outcome:N", title=None,
                    scale=alt.Scale(domain=["answered", "abandoned", "other"], range=[ui.PALETTE[0], ui.BAD, "#bbbbbb"]),
                ),
                tooltip=["date:T", "outcome:N", "calls:Q"],
            )
        )
        right.altair_chart(volume, width="stretch")

        st.subheader("Period over period")
        st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d} against the {f.days} days before.")
        compare = pd.DataFrame(
            {
                "measure": [label for label, _, _ in COMPARED],
                "this_period": [ui.value_of(period, key) for _, key, _ in COMPARED],
                "previous_period": [ui.value_of(previous, key) for _, key, _ in COMPARED],
                "target": [ui.TARGETS.get(key) for _, key, _ in COMPARED],
            }
        )
        compare["change"] = compare["this_period"] - compare["previous_period"]
        shown = compare.copy()
        for column in ("this_period", "previous_period", "target"):
            shown[column] = [fmt(v) if v is not None and not pd.isna(v) else "—"
                             for v, (_, _, fmt) in zip(compare[column], COMPARED, strict=True)]
        shown["change"] = [signed(v, fmt) for v, (_, _, fmt) in zip(compare["change"], COMPARED, strict=True)]
        st.dataframe(shown, hide_index=True, column_config={
            "measure": "Measure", "this_period": "This period", "previous_period": "Previous period",
            "target": "Target", "change": "Change"})
        ui.download(compare, "overview_period_over_period")

        extra_cols = st.columns(3)
        if data.has_table("marts.fct_tickets"):
            twhere, tparams = f.where(date_expr="cast(created_at as date)", center_expr="center_id")
            tickets = data.query(
                "select count(*) as tickets, count(*) filter (category = 'complaint') as complaints, "  # noqa: S608
                "avg(resolved_within_24h::int) as sla "
                f"from marts.fct_tickets where {twhere}",
                tparams,
            )
            extra_cols[0].metric("Tickets opened", ui.num(ui.value_of(tickets, "tickets")), border=True)
            extra_cols[1].metric("Complaints", ui.num(ui.value_of(tickets, "complaints")), border=True)
        if data.has_table("ml.fund_anomalies"):
            awhere, aparams = f.where(date_expr="cast(window_end as date)")
            alerts = data.query(
                f"select count(*) as n from ml.fund_anomalies where {awhere}",  # noqa: S608
                aparams,
            )
            extra_cols[2].metric("Fund anomalies (activity in period)", ui.num(ui.value_of(alerts, "n")), border=True)
