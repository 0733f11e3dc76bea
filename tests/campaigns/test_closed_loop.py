"""The loop end to end on the shared tiny warehouse: build lists from the real marts and
scores, push them to an AMI server on 127.0.0.1, land the resulting CDRs (and payments and
sales) through the real ingest, rebuild the campaign marts with the real dbt, read lift."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ccdw.campaigns import build_campaigns
from ccdw.campaigns.simulate import simulate_campaign_outcomes
from ccdw.db import connect
from ccdw.settings import Settings
from telephony_adapter import dial, reconcile
from tests.telephony.ami_server import AmiTestServer

# The tiny data ends Sunday 2026-11-29; the lists are built the next morning.
AS_OF = datetime(2026, 11, 30, 9, 30)


@pytest.mark.slow
def test_build_push_land_and_measure(tiny_scored: Settings, tmp_path: Path) -> None:
    from ccdw.warehouse import build
    from ingest.run import ingest_landing
    from tests.conftest import copy_home

    settings = copy_home(tiny_scored, tmp_path / "home").model_copy(update={
        "asterisk_spool_dir": tmp_path / "spool", "ami_user": "ccdw", "ami_secret": "s3cret"})

    summary = build_campaigns(settings, AS_OF)
    campaigns = summary["campaigns"]
    assert isinstance(campaigns, dict)
    for counts in campaigns.values():
        assert counts["eligible"] + counts["control"] + sum(counts["excluded"].values()) \
            == counts["candidates"]
    for name in ("unpaid_premium_reminder", "high_value_retention", "abandoned_call_callback"):
        assert campaigns[name]["eligible"] > 0, name
    assert campaigns["abandoned_call_callback"]["control"] == 0

    with connect(settings, read_only=True) as con:
        active = con.execute(
            """select count(*), count(distinct phone_e164) from ops.campaign_members
               where status = 'eligible' and not is_control""").fetchone()
        dnc_active = con.execute(
            """select count(*) from ops.campaign_members m
               join marts.dim_customer c on c.customer_id = m.customer_id and c.is_current
               where m.status = 'eligible' and c.do_not_call""").fetchone()
    assert active[0] == active[1]  # one active member per phone
    assert dnc_active[0] == 0

    with AmiTestServer() as server:
        pushed = dial(settings.model_copy(update={"ami_port": server.port}), via="ami",
                      now=AS_OF.replace(hour=10), cps=500, max_concurrent=50)
    originates = server.state.originates()
    assert pushed.sent == len(originates) > 0
    members_seen = [v.split("=", 1)[1] for o in originates for v in o.all("Variable")
                    if v.startswith("CDR(userfield)=")]
    assert len(members_seen) == len(set(members_seen)) == len(originates)

    landing = tmp_path / "landing"
    counts = simulate_campaign_outcomes(settings, landing, seed=3)
    assert counts["cdr"] == pushed.sent
    # Simulated once: a second call finds nothing new to simulate (no duplicate CDRs).
    assert simulate_campaign_outcomes(settings, tmp_path / "again", seed=3)["cdr"] == 0
    ingest_landing(landing, settings=settings)
    assert reconcile(settings)["open_attempts"] == 0
    build(settings, select="+path:models/marts/campaigns")

    with connect(settings, read_only=True) as con:
        attempts = con.execute(
            """select count(*), count(*) filter (where final_status_source = 'cdr'),
                      count(distinct final_status)
               from marts.fct_campaign_attempts""").fetchone()
        daily = con.execute(
            """select campaign_id, treated_members, control_members, attempts, contact_rate,
                      conversions_treated, conversions_control, lift, lift_ci_low, lift_ci_high
               from marts.agg_campaign_daily""").fetchall()
    assert attempts[0] == attempts[1] == pushed.sent
    assert attempts[2] >= 2  # several outcomes, not one constant
    by_campaign = {row[0]: row for row in daily}
    callback = by_campaign["abandoned_call_callback"]
    assert callback[2] == 0 and callback[7] is None  # no control group, no lift
    assert 0 <= callback[4] <= 1
    reminder = by_campaign["unpaid_premium_reminder"]
    assert reminder[5] + reminder[6] > 0  # payments landed and were attributed
    if reminder[2]:  # a control group was drawn: lift and its interval exist
        assert -1 <= reminder[7] <= 1 and reminder[8] < reminder[9]
    assert sum(row[3] for row in daily) == pushed.sent
