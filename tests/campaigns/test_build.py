"""Campaign building on a small hand-made warehouse (real DuckDB file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccdw.campaigns import build_campaigns
from ccdw.campaigns.definitions import load_campaigns
from ccdw.db import connect
from ccdw.errors import CcdwError
from ccdw.settings import Settings
from tests.campaigns.handmade import AS_OF, build_handmade, phone


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(home=tmp_path / "home")
    build_handmade(s)
    return s


def members(settings: Settings) -> dict[tuple[str, str], tuple]:
    with connect(settings, read_only=True) as con:
        rows = con.execute(
            """select campaign_id, coalesce(customer_id, phone_e164, subject_id), status,
                      exclusion_reason, is_control, phone_e164, member_id, eligible_from
               from ops.campaign_members where campaign_id <> 'old'""").fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_shipped_definitions_load():
    ids = [c.campaign_id for c in load_campaigns()]
    assert set(ids) == {"abandoned_call_callback", "web_callback_request", "anomaly_follow_up",
                        "unpaid_premium_reminder", "high_value_retention", "birthday_care"}
    kinds = {c.campaign_id: (c.kind, c.control_share) for c in load_campaigns()}
    assert kinds["abandoned_call_callback"] == ("service", 0)
    assert kinds["web_callback_request"] == ("service", 0)


def test_compliance_and_exclusions_are_counted_by_reason(settings):
    summary = build_campaigns(settings, AS_OF)
    camp = summary["campaigns"]
    m = members(settings)

    retention = camp["high_value_retention"]
    assert retention["excluded"] == {
        "invalid_phone": 1, "dnc_registry": 1, "do_not_call": 1, "frequency_cap": 1,
        "phone_taken_by_higher_priority": 1}  # C5: the premium reminder wins
    assert m[("high_value_retention", "C2")][:2] == ("excluded", "do_not_call")
    assert m[("high_value_retention", "C3")][:2] == ("excluded", "dnc_registry")
    assert m[("high_value_retention", "C4")][:2] == ("excluded", "invalid_phone")
    assert m[("high_value_retention", "C7")][:2] == ("excluded", "frequency_cap")
    assert m[("unpaid_premium_reminder", "C5")][0] == "eligible"
    assert m[("high_value_retention", "C5")][:2] == ("excluded", "phone_taken_by_higher_priority")
    assert ("high_value_retention", "C8") not in m  # four products: not a candidate
    assert m[("anomaly_follow_up", "C6")][0] == "eligible"
    # Birthday care (priority 20) loses C1's phone to retention (40).
    assert m[("birthday_care", "C1")][:2] == ("excluded", "phone_taken_by_higher_priority")

    # Abandoned-call callback: only the caller who never got through; no control group.
    callbacks = {k[1]: v for k, v in m.items() if k[0] == "abandoned_call_callback"}
    assert list(callbacks) == ["+8613900000001"]
    assert callbacks["+8613900000001"][:3] == ("eligible", None, False)

    # Web callbacks: the 21:00-22:00 preference is outside the window; the other is kept
    # for tomorrow 10:00, its preferred time.
    web = {v[3]: v for k, v in m.items() if k[0] == "web_callback_request"}
    assert web["+8613900000011"][:2] == ("excluded", "outside_calling_window")
    assert web["+8613900000012"][0] == "eligible"
    assert web["+8613900000012"][5] == AS_OF.replace(hour=10).replace(day=3)
    assert camp["web_callback_request"]["excluded"] == {"outside_calling_window": 1}

    # Every candidate is accounted for: eligible + control + excluded = candidates.
    for counts in camp.values():
        assert counts["eligible"] + counts["control"] + sum(counts["excluded"].values()) \
            == counts["candidates"]

    # One active (eligible, not control) member per phone across campaigns.
    with connect(settings, read_only=True) as con:
        dup = con.execute("""select phone_e164, count(*) from ops.campaign_members
                             where status in ('eligible','queued','dialing') and not is_control
                             group by 1 having count(*) > 1""").fetchall()
        runs = con.execute("select count(*) from ops.campaign_runs").fetchone()[0]
    assert dup == [] and runs == 6


def test_rebuild_is_stable_and_a_higher_priority_campaign_supersedes(settings):
    first = build_campaigns(settings, AS_OF, campaign_ids=["high_value_retention"])
    before = members(settings)
    assert before[("high_value_retention", "C5")][0] == "eligible"
    again = build_campaigns(settings, AS_OF, campaign_ids=["high_value_retention"])
    assert again["campaigns"] == first["campaigns"]
    assert members(settings) == before  # same member ids, control flags, statuses

    later = build_campaigns(settings, AS_OF, campaign_ids=["unpaid_premium_reminder"])
    assert later["superseded"] == 1
    after = members(settings)
    assert after[("high_value_retention", "C5")][:2] == ("excluded", "superseded_by_higher_priority")
    assert after[("unpaid_premium_reminder", "C5")][0] == "eligible"


def test_members_in_flight_keep_their_phone(settings):
    build_campaigns(settings, AS_OF, campaign_ids=["high_value_retention"])
    with connect(settings) as con:
        con.execute("update ops.campaign_members set status = 'dialing' "
                    "where campaign_id = 'high_value_retention' and customer_id = 'C5'")
    summary = build_campaigns(settings, AS_OF)
    m = members(settings)
    assert m[("high_value_retention", "C5")][0] == "dialing"
    assert m[("unpaid_premium_reminder", "C5")][:2] == ("excluded", "phone_taken_by_higher_priority")
    assert summary["campaigns"]["high_value_retention"]["kept"] == 1


def test_control_group_is_seeded_stable_and_near_its_share(tmp_path):
    s = Settings(home=tmp_path / "home")
    build_handmade(s, extra_high_value=600)
    summary = build_campaigns(s, AS_OF, campaign_ids=["high_value_retention"])
    counts = summary["campaigns"]["high_value_retention"]
    share = counts["control"] / (counts["control"] + counts["eligible"])
    assert 0.14 < share < 0.26  # control_share 0.2, md5-seeded draw over ~600 customers
    with connect(s, read_only=True) as con:
        flags = con.execute("select member_id, is_control from ops.campaign_members "
                            "order by 1").fetchall()
    build_campaigns(s, AS_OF, campaign_ids=["high_value_retention"])
    with connect(s, read_only=True) as con:
        assert con.execute("select member_id, is_control from ops.campaign_members "
                           "order by 1").fetchall() == flags


def test_parameters_are_bound_never_spliced(settings):
    hostile = "0; drop table ops.campaign_members; --"
    with pytest.raises(CcdwError, match="high_value_retention"):
        build_campaigns(settings, AS_OF, campaign_ids=["high_value_retention"],
                        parameters={"high_value_retention": {"max_products": hostile}})
    with connect(settings, read_only=True) as con:
        assert con.execute("select count(*) from ops.campaign_members").fetchone()[0] == 1
    with pytest.raises(CcdwError, match="no parameter 'x'"):
        build_campaigns(settings, AS_OF, parameters={"birthday_care": {"x": 1}})
    ok = build_campaigns(settings, AS_OF, campaign_ids=["high_value_retention"],
                         parameters={"high_value_retention": {"max_products": 0}})
    assert ok["campaigns"]["high_value_retention"]["candidates"] == 1  # only C7 (0 products)


def test_bad_definition_is_a_clear_error(tmp_path, settings):
    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "x_campaign.yml").write_text(
        "campaign_id: x_campaign\nversion: 1\nname: x\nkind: service\npriority: 1\n"
        "conversion: contacted\ncontrol_share: 0.1\ndial: {queue: q}\neligibility: select 1\n")
    with pytest.raises(CcdwError, match="control_share must be 0"):
        build_campaigns(settings, AS_OF, definitions_dir=tmp_path / "defs")
    (tmp_path / "defs" / "x_campaign.yml").write_text(
        "campaign_id: x_campaign\nversion: 1\nname: x\nkind: service\npriority: 1\n"
        "conversion: contacted\ncontrol_share: 0\ndial: {queue: 'q;x'}\neligibility: select 1\n")
    with pytest.raises(CcdwError, match="not a plain dialplan name"):
        build_campaigns(settings, AS_OF, definitions_dir=tmp_path / "defs")


def test_phone_helper_is_e164():
    assert phone(1) == "+8613800000001"


def test_a_daily_rebuild_keeps_cohort_dates(settings):
    from datetime import timedelta

    build_campaigns(settings, AS_OF, campaign_ids=["high_value_retention"])
    first = {k: v[5] for k, v in members(settings).items() if v[0] == "eligible"}
    build_campaigns(settings, AS_OF + timedelta(days=1), campaign_ids=["high_value_retention"])
    second = {k: v[5] for k, v in members(settings).items() if v[0] == "eligible"}
    # Members eligible both days keep their first-eligible moment (their cohort)...
    assert first and all(second[k] == v for k, v in first.items())
    # ...while C7, capped on day one (called 2 h before), joins with day two's date.
    assert second[("high_value_retention", "C7")] == AS_OF + timedelta(days=1)


def test_cdr_outcomes_close_attempts_when_the_pbx_writes_utc(tmp_path):
    from datetime import timedelta

    from ccdw.campaigns.schema import ensure_campaign_schema
    from telephony_adapter.store import reconcile_from_cdrs

    s = Settings(home=tmp_path / "home")
    with connect(s) as con:
        ensure_campaign_schema(con)
        con.execute("insert into ops.campaign_members (campaign_id, member_id, status, is_control,"
                    " max_attempts, attempts) values ('c', 'MX', 'dialing', false, 2, 1)")
        con.execute("insert into ops.dial_attempts (attempt_id, member_id, sent_at) values "
                    "('MX-1', 'MX', ?)", [AS_OF])
        con.execute("create schema raw")
        con.execute("create table raw.cdr (start timestamp, disposition varchar, "
                    "uniqueid varchar, userfield varchar)")
        # 01:30 UTC is 09:30 in Shanghai: the call started right when it was sent.
        con.execute("insert into raw.cdr values (?, 'ANSWERED', '17.1', 'MX')",
                    [AS_OF - timedelta(hours=8)])
        assert reconcile_from_cdrs(con, AS_OF, cdr_usegmtime=False) == 0  # 8 h too early
        assert reconcile_from_cdrs(con, AS_OF, site_timezone="Asia/Shanghai",
                                   cdr_usegmtime=True) == 1
        assert con.execute("select final_status, uniqueid, final_source from ops.dial_attempts"
                           ).fetchone() == ("answered", "17.1", "cdr")
        assert con.execute("select status from ops.campaign_members").fetchone() == ("done",)
