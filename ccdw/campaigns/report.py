"""A plain-text view of ``marts.agg_campaign_daily`` for the command line and the demo."""

from __future__ import annotations

import duckdb

from ccdw.db import connect
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:5.1f}%"


def lift_table(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    try:
        with connect(settings, read_only=True) as con:
            rows = con.execute(
                """select campaign_id, date, treated_members, control_members, attempts,
                          contact_rate, conversion_rate_treated, conversion_rate_control, lift,
                          lift_ci_low, lift_ci_high
                   from marts.agg_campaign_daily order by date, campaign_id"""
            ).fetchall()
    except duckdb.Error as exc:
        raise CcdwError(
            f"marts.agg_campaign_daily is not readable ({str(exc).splitlines()[0]}): run ccdw build"
        ) from exc
    header = (f"{'campaign':<26} {'date':<10} {'treated':>7} {'control':>7} {'calls':>6} "
              f"{'contact':>7} {'conv T':>7} {'conv C':>7} {'lift':>7}  95% interval")
    lines = [header]
    for (campaign, day, treated, control, attempts, contact, conv_t, conv_c, lift, low,
         high) in rows:
        interval = "-" if low is None else f"[{_pct(low)}, {_pct(high)}]"
        lines.append(
            f"{campaign:<26} {day!s:<10} {treated:>7} {control:>7} {attempts:>6} "
            f"{_pct(contact):>7} {_pct(conv_t):>7} {_pct(conv_c):>7} {_pct(lift):>7}  {interval}"
        )
    return "\n".join(lines)
