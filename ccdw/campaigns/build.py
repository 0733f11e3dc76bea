"""``build_campaigns``: eligibility → compliance → ``ops.campaign_members``.

One transaction per build: a failed build leaves the member table as it was.

Order of the checks (the first that applies is the exclusion reason, counted per campaign):
``invalid_phone`` (not a valid E.164 number), ``dnc_registry`` (the DNC feed),
``do_not_call`` (the customer's flag), ``expired`` (eligibility ended before ``as_of``),
``outside_calling_window`` (the window never opens, in the customer's local time, between
eligible_from and eligible_to), ``frequency_cap`` (calls to the customer in the last day /
week at the cap), then ``phone_taken_by_higher_priority`` (one active member per phone
across campaigns: a queued/dialing member keeps its phone, otherwise the highest priority
wins and a lower-priority eligible member of another campaign is ``superseded``).
Members already queued, dialing or done are kept as they are (``kept``).
The holdout control group is drawn after compliance, so treated and control members pass the
same filters: ``is_control`` when md5(campaign, seed, customer) falls below control_share —
stable per customer across builds. Service callbacks have no control group.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from ccdw.campaigns.definitions import PARAMETER, Campaign, load_campaigns
from ccdw.campaigns.phones import normalize
from ccdw.campaigns.schema import ensure_campaign_schema
from ccdw.campaigns.windows import first_open_moment
from ccdw.db import connect, transaction
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from telephony_adapter.store import reconcile_from_cdrs

log = logging.getLogger(__name__)

EXCLUSION_ORDER = (
    "invalid_phone",
    "dnc_registry",
    "do_not_call",
    "expired",
    "outside_calling_window",
    "frequency_cap",
    "phone_taken_by_higher_priority",
)

CANDIDATES_DDL = """create temp table cand (
    campaign_id varchar, member_id varchar, customer_id varchar, phone_raw varchar,
    subject_id varchar, reason varchar, eligible_from timestamp, eligible_to timestamp,
    priority integer, kind varchar, control_share double, control_seed varchar
)"""


def _site_now(settings: Settings) -> datetime:
    return datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _bind(campaign: Campaign, as_of: datetime, overrides: Mapping[str, object]) -> dict[str, object]:
    unknown = set(overrides) - set(campaign.parameters)
    if unknown:
        raise CcdwError(f"campaign {campaign.campaign_id} has no parameter {sorted(unknown)[0]!r}")
    values: dict[str, object] = {**campaign.parameters, **overrides}
    values["as_of"] = as_of
    values["as_of_date"] = as_of.date()
    return _used(campaign.eligibility, values)


def _used(sql: str, values: Mapping[str, object]) -> dict[str, object]:
    """DuckDB refuses named parameters a statement does not use: pass only the used ones."""
    names = set(PARAMETER.findall(sql))
    return {k: v for k, v in values.items() if k in names}


def _load_candidates(
    con: duckdb.DuckDBPyConnection, campaign: Campaign, as_of: datetime, overrides: Mapping[str, object]
) -> int:
    params = _bind(campaign, as_of, overrides)
    try:
        # The eligibility text comes from the shipped definition file (trusted); every value
        # in it is a bound parameter.
        con.execute(f"create or replace temp table elig as {campaign.eligibility}", params)
    except duckdb.CatalogException as exc:
        first = str(exc).splitlines()[0]
        raise CcdwError(
            f"campaign {campaign.campaign_id}: {first} (build the marts and scores first)"
        ) from exc
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise CcdwError(f"campaign {campaign.campaign_id}: eligibility query failed: {first}") from exc
    columns = {row[0] for row in con.execute("describe elig").fetchall()}
    missing = {"customer_id", "phone", "subject_id", "reason"} - columns
    if missing:
        raise CcdwError(
            f"campaign {campaign.campaign_id}: eligibility query lacks column {sorted(missing)[0]!r}"
        )
    eligible_from = "eligible_from::timestamp" if "eligible_from" in columns else "$as_of"
    eligible_to = (
        "eligible_to::timestamp" if "eligible_to" in columns else "$as_of + to_days($valid_days)"
    )
    insert_sql = f"""insert into cand
            select $campaign_id,
                   'M' || substr(md5($campaign_id || '|' || coalesce(subject_id::varchar,
                       customer_id::varchar, phone::varchar)), 1, 20),
                   customer_id::varchar, phone::varchar,
                   coalesce(subject_id::varchar, customer_id::varchar, phone::varchar),
                   reason::varchar, {eligible_from}, {eligible_to},
                   $priority, $kind, $control_share, $control_seed
            from elig
            qualify row_number() over (
                partition by coalesce(subject_id::varchar, customer_id::varchar, phone::varchar)
                order by {eligible_from}) = 1"""  # noqa: S608 - fixed column expressions
    values = {
            "campaign_id": campaign.campaign_id,
            "as_of": as_of,
            "valid_days": campaign.valid_days,
            "priority": campaign.priority,
            "kind": campaign.kind,
            "control_share": campaign.control_share if campaign.kind == "marketing" else 0.0,
            "control_seed": campaign.control_seed,
    }
    con.execute(insert_sql, _used(insert_sql, values))
    row = con.execute("select count(*) from elig").fetchone()
    return int(row[0]) if row else 0


def _phone_map(con: duckdb.DuckDBPyConnection, site_tz: str) -> None:
    """``phone_map(phone_raw, phone_e164, tz)`` for every candidate and DNC number."""
    raws = [r[0] for r in con.execute("select distinct phone_raw from cand").fetchall()]
    has_dnc = _table_exists(con, "raw", "dnc")
    if has_dnc:
        raws += [r[0] for r in con.execute("select distinct phone from raw.dnc").fetchall()]
    rows = [(raw, *normalize(raw, site_tz)) for raw in set(raws)]
    frame = pd.DataFrame(rows, columns=["phone_raw", "phone_e164", "tz"], dtype="object")
    con.register("phone_map_df", frame)
    con.execute("create or replace temp table phone_map as select * from phone_map_df")
    con.unregister("phone_map_df")
    if has_dnc:
        con.execute(
            """create or replace temp table dnc_phones as
               select distinct m.phone_e164 from raw.dnc d
               join phone_map m on m.phone_raw = d.phone where m.phone_e164 is not null"""
        )
    else:
        log.warning("raw.dnc is absent: no DNC registry numbers to exclude")
        con.execute("create or replace temp table dnc_phones (phone_e164 varchar)")


def _window_table(
    con: duckdb.DuckDBPyConnection, campaigns: dict[str, Campaign], site_tz: str
) -> None:
    """``window_ok(member_id, first_open)``: the first moment each member may be called."""
    rows = con.execute(
        """select c.member_id, c.campaign_id, c.eligible_from, c.eligible_to,
                  coalesce(m.tz, $tz) from cand c left join phone_map m using (phone_raw)""",
        {"tz": site_tz},
    ).fetchall()
    out = []
    cache: dict[tuple, datetime | None] = {}
    for member_id, campaign_id, start, end, tz in rows:
        campaign = campaigns[campaign_id]
        key = (campaign_id, start, end, tz)
        if key not in cache:
            cache[key] = (
                first_open_moment(
                    start, end, customer_tz=tz, site_tz=site_tz,
                    window=(campaign.calling_window.start, campaign.calling_window.end),
                    weekdays=set(campaign.weekdays),
                )
                if start is not None and end is not None
                else None
            )
        out.append((member_id, cache[key]))
    frame = pd.DataFrame(out, columns=["member_id", "first_open"])
    frame["first_open"] = pd.to_datetime(frame["first_open"])
    con.register("window_df", frame)
    con.execute("create or replace temp table window_ok as select * from window_df")
    con.unregister("window_df")


def _dnc_customers(con: duckdb.DuckDBPyConnection) -> str:
    if _table_exists(con, "marts", "dim_customer"):
        return "select customer_id from marts.dim_customer where is_current and do_not_call"
    log.warning("marts.dim_customer is absent: customers' do_not_call flags not applied")
    return "select null::varchar as customer_id where false"


def _score(con: duckdb.DuckDBPyConnection, as_of: datetime, settings: Settings,
           rebuilt: list[str]) -> None:
    dnc_customers = _dnc_customers(con)  # a fixed query text chosen above
    con.execute(
        f"""create or replace temp table scored as
        with calls as (
            select m.customer_id,
                   count(*) filter (where a.sent_at >= $as_of - interval 1 day) as day_calls,
                   count(*) filter (where a.sent_at >= $as_of - interval 7 day) as week_calls
            from ops.dial_attempts a join ops.campaign_members m using (member_id)
            where a.sent_at <= $as_of and coalesce(a.response, '') <> 'Error'
              and m.customer_id is not null
            group by m.customer_id
        ),
        dnc_customers as ({dnc_customers})
        select c.*, pm.phone_e164, coalesce(pm.tz, $tz) as local_timezone, w.first_open,
               old.status as old_status,
               case
                   when old.status in ('queued', 'dialing', 'done') then 'kept'
                   when pm.phone_e164 is null then 'invalid_phone'
                   when pm.phone_e164 in (select phone_e164 from dnc_phones) then 'dnc_registry'
                   when c.customer_id in (select customer_id from dnc_customers) then 'do_not_call'
                   when c.eligible_to < $as_of then 'expired'
                   when w.first_open is null then 'outside_calling_window'
                   when coalesce(k.day_calls, 0) >= $day_cap
                        or coalesce(k.week_calls, 0) >= $week_cap then 'frequency_cap'
               end as pre_reason,
               c.kind = 'marketing' and c.control_share > 0
                   and ('0x' || substr(md5(c.campaign_id || '|' || c.control_seed || '|'
                        || coalesce(c.customer_id, pm.phone_e164, c.phone_raw, '')), 1, 8))::bigint
                       / 4294967296.0 < c.control_share as draws_control
        from cand c
        left join phone_map pm using (phone_raw)
        left join window_ok w using (member_id)
        left join calls k on k.customer_id = c.customer_id
        left join ops.campaign_members old on old.member_id = c.member_id""",  # noqa: S608
        {"as_of": as_of, "tz": settings.timezone,
         "day_cap": settings.campaign_max_calls_per_day,
         "week_cap": settings.campaign_max_calls_per_week},
    )
    # One active member per phone across campaigns.
    con.execute(
        """create or replace temp table phone_rank as
        with contenders as (
            select member_id, phone_e164, priority, campaign_id, 0 as locked, true as fresh
            from scored where pre_reason is null
            union all
            select member_id, phone_e164, priority, campaign_id,
                   (status in ('queued', 'dialing'))::int as locked, false as fresh
            from ops.campaign_members
            where status in ('eligible', 'queued', 'dialing') and phone_e164 is not null
              and member_id not in (select member_id from scored where pre_reason is null)
              and (status in ('queued', 'dialing') or not list_contains($rebuilt, campaign_id))
        )
        select *, row_number() over (
            partition by phone_e164 order by locked desc, priority desc, campaign_id, member_id
        ) as phone_rank
        from contenders""",
        {"rebuilt": rebuilt},
    )


def _write(con: duckdb.DuckDBPyConnection, campaigns: dict[str, Campaign], as_of: datetime,
           rebuilt: list[str]) -> dict[str, int]:
    config = pd.DataFrame(
        [
            (c.campaign_id, str(c.version), c.conversion, c.calling_window.start,
             c.calling_window.end, c.weekdays_text, c.max_attempts, c.retry_interval_minutes,
             c.caller_id, c.dial.channel, None if c.dial.queue else c.dial.context,
             None if c.dial.queue else c.dial.extension, c.dial.queue)
            for c in campaigns.values()
        ],
        columns=["campaign_id", "campaign_version", "conversion_rule", "window_start",
                 "window_end", "weekdays", "max_attempts", "retry_minutes", "caller_id",
                 "dial_channel", "dial_context", "dial_extension", "dial_queue"],
        dtype="object",
    )
    con.register("campaign_config_df", config)
    con.execute("create or replace temp table campaign_config as select * from campaign_config_df")
    con.unregister("campaign_config_df")
    con.execute(
        """create or replace temp table final as
        select s.*, r.phone_rank,
               case when s.pre_reason is not null then s.pre_reason
                    when r.phone_rank > 1 then 'phone_taken_by_higher_priority' end as exclusion,
        from scored s
        left join phone_rank r on r.member_id = s.member_id and r.fresh
        where s.pre_reason is distinct from 'kept'"""
    )
    con.execute(
        """insert into ops.campaign_members (
               campaign_id, member_id, customer_id, phone_e164, priority, reason, is_control,
               eligible_from, eligible_to, status, exclusion_reason, campaign_version,
               campaign_kind, subject_id, conversion_rule, local_timezone, window_start,
               window_end, weekdays, max_attempts, retry_minutes, caller_id, dial_channel,
               dial_context, dial_extension, dial_queue, attempts, created_at, updated_at)
           select f.campaign_id, f.member_id, f.customer_id, f.phone_e164, f.priority, f.reason,
                  f.exclusion is null and f.draws_control,
                  coalesce(f.first_open, f.eligible_from), f.eligible_to,
                  case when f.exclusion is null then 'eligible' else 'excluded' end, f.exclusion,
                  k.campaign_version, f.kind, f.subject_id, k.conversion_rule, f.local_timezone,
                  k.window_start, k.window_end, k.weekdays, k.max_attempts::int,
                  k.retry_minutes::int, k.caller_id, k.dial_channel, k.dial_context,
                  k.dial_extension, k.dial_queue, 0, $as_of, $as_of
           from final f join campaign_config k using (campaign_id)
           on conflict (member_id) do update set
               phone_e164 = excluded.phone_e164, priority = excluded.priority,
               reason = excluded.reason, is_control = excluded.is_control,
               -- a member still eligible keeps the date it first became eligible: its
               -- cohort (list date) must not move between daily rebuilds
               eligible_from = case when status = 'eligible' and excluded.status = 'eligible'
                                    then least(eligible_from, excluded.eligible_from)
                                    else excluded.eligible_from end,
               eligible_to = excluded.eligible_to,
               status = excluded.status, exclusion_reason = excluded.exclusion_reason,
               campaign_version = excluded.campaign_version, local_timezone = excluded.local_timezone,
               window_start = excluded.window_start, window_end = excluded.window_end,
               weekdays = excluded.weekdays, max_attempts = excluded.max_attempts,
               retry_minutes = excluded.retry_minutes, caller_id = excluded.caller_id,
               dial_channel = excluded.dial_channel, dial_context = excluded.dial_context,
               dial_extension = excluded.dial_extension, dial_queue = excluded.dial_queue,
               updated_at = excluded.updated_at""",
        {"as_of": as_of},
    )
    superseded = con.execute(
        """update ops.campaign_members m
           set status = 'excluded', exclusion_reason = 'superseded_by_higher_priority',
               updated_at = $as_of
           from phone_rank r
           where r.member_id = m.member_id and not r.fresh and r.phone_rank > 1
             and m.status = 'eligible'""",
        {"as_of": as_of},
    ).fetchone()
    dropped = con.execute(
        """update ops.campaign_members
           set status = 'excluded', exclusion_reason = 'no_longer_eligible', updated_at = $as_of
           where status = 'eligible' and list_contains($rebuilt, campaign_id)
             and member_id not in (select member_id from cand)""",
        {"as_of": as_of, "rebuilt": rebuilt},
    ).fetchone()
    return {
        "superseded": int(superseded[0]) if superseded else 0,
        "no_longer_eligible": int(dropped[0]) if dropped else 0,
    }


def _summaries(con: duckdb.DuckDBPyConnection, campaigns: dict[str, Campaign], as_of: datetime,
               rows_read: dict[str, int]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for campaign_id in campaigns:
        counts = dict(con.execute(
            """select coalesce(exclusion, 'eligible'), count(*) from final
               where campaign_id = ? group by 1""", [campaign_id]).fetchall())
        control_row = con.execute(
            "select count(*) from final where campaign_id = ? and exclusion is null and draws_control",
            [campaign_id]).fetchone()
        kept_row = con.execute(
            "select count(*) from scored where campaign_id = ? and pre_reason = 'kept'",
            [campaign_id]).fetchone()
        eligible = int(counts.pop("eligible", 0))
        control = int(control_row[0]) if control_row else 0
        excluded = {reason: int(counts.get(reason, 0)) for reason in EXCLUSION_ORDER
                    if counts.get(reason)}
        out[campaign_id] = {
            "candidates": rows_read[campaign_id],
            "eligible": eligible - control,
            "control": control,
            "kept": int(kept_row[0]) if kept_row else 0,
            "excluded": excluded,
        }
    return out


def build_campaigns(
    settings: Settings | None = None,
    as_of: datetime | date | None = None,
    *,
    campaign_ids: list[str] | None = None,
    parameters: Mapping[str, Mapping[str, object]] | None = None,
    definitions_dir: Path | None = None,
) -> dict[str, object]:
    """Build the call lists of every enabled campaign (or ``campaign_ids``) as of ``as_of``
    (naive site-local; default now) and return the counts per campaign and exclusion reason."""
    settings = settings or get_settings()
    if isinstance(as_of, date) and not isinstance(as_of, datetime):
        as_of = datetime.combine(as_of, datetime.min.time()).replace(hour=9)
    as_of = as_of or _site_now(settings)
    every = load_campaigns(definitions_dir)
    if campaign_ids:
        unknown = set(campaign_ids) - {c.campaign_id for c in every}
        if unknown:
            raise CcdwError(f"no campaign named {sorted(unknown)[0]!r}")
    chosen = [c for c in every if (c.campaign_id in campaign_ids if campaign_ids else c.enabled)]
    campaigns = {c.campaign_id: c for c in chosen}
    rebuilt = list(campaigns)
    overrides = parameters or {}

    with connect(settings) as con:
        con.execute("set enable_progress_bar = false")
        ensure_campaign_schema(con)
        # Outcomes that landed since the last dial count toward the frequency cap and free
        # members for their next attempt.
        reconcile_from_cdrs(con, _site_now(settings), site_timezone=settings.timezone,
                            cdr_usegmtime=settings.cdr_usegmtime)
        with transaction(con):
            con.execute(CANDIDATES_DDL)
            rows_read = {
                c.campaign_id: _load_candidates(con, c, as_of, overrides.get(c.campaign_id, {}))
                for c in chosen
            }
            _phone_map(con, settings.timezone)
            _window_table(con, campaigns, settings.timezone)
            _score(con, as_of, settings, rebuilt)
            changes = _write(con, campaigns, as_of, rebuilt)
            per_campaign = _summaries(con, campaigns, as_of, rows_read)
            built_at = _site_now(settings)
            for campaign_id, counts in per_campaign.items():
                excluded = counts["excluded"]
                assert isinstance(excluded, dict)
                run_id = hashlib.md5(
                    f"{campaign_id}|{as_of.isoformat()}|{built_at.isoformat()}".encode()
                ).hexdigest()[:16]
                con.execute(
                    """insert or replace into ops.campaign_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [run_id, campaign_id, str(campaigns[campaign_id].version), as_of, built_at,
                     counts["candidates"], counts["eligible"], counts["control"],
                     sum(excluded.values()), json.dumps(excluded)],
                )
    summary: dict[str, object] = {"as_of": as_of.isoformat(sep=" "), "campaigns": per_campaign,
                                  **changes}
    log.debug("campaigns built as of %s: %s", as_of, summary)
    return summary
