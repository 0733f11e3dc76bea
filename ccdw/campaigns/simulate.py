"""Simulated outcomes of pushed campaign calls, as feeds the next ingest lands.

The outbound CDRs come from the generator's
:func:`ccdw.generate.outcomes.simulate_dial_outcomes` (``cdr/Master-dialer-*.csv``, one CDR
per attempt with ``userfield`` = member_id). This module adds what the loop's conversions
need, once per member (treated and control):

- ``premiums/campaign-premiums-<when>.csv``: later versions of reminded premiums, now paid
  (more often after an answered reminder than in the control group);
- ``policies/campaign-policies-<when>.csv``: new policies bought by cross-sell members.

Deterministic for a seed. Probabilities are plain constants: the point is a visible lift
with honest noise, not a model of customer behaviour.
"""

from __future__ import annotations

import csv
import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ccdw.db import connect
from ccdw.generate.outcomes import simulate_dial_outcomes as generated_cdrs
from ccdw.settings import Settings, get_settings

# P(convert) by (treated and answered, treated not answered, control).
PAY_P = (0.7, 0.35, 0.3)
BUY_P = (0.3, 0.08, 0.06)


def simulate_outcomes(
    members_df: pd.DataFrame,
    out_dir: Path,
    seed: int,
    when: datetime,
    settings: Settings | None = None,
) -> dict[str, int]:
    """Write outcome feeds for ``members_df`` into the landing dir ``out_dir``.

    ``members_df`` has one row per member (treated and control): ``member_id, campaign_id,
    customer_id, phone_e164, is_control, conversion_rule, subject_id`` and, for dialed members,
    ``attempt_id, sent_at`` (one row per attempt) plus ``amount_due`` for premium reminders.
    """
    rng = np.random.default_rng(seed)
    stamp = when.strftime("%Y%m%dT%H%M%S")
    attempts = members_df[members_df["attempt_id"].notna()].sort_values(["sent_at", "attempt_id"])
    disposition_of: dict[str, str] = {}
    if len(attempts):
        # CDRs start at the latest send time of this batch, so each follows its attempt.
        cdr_when = pd.Timestamp(attempts["sent_at"].max()).to_pydatetime()
        path = generated_cdrs(attempts[["member_id", "phone_e164", "campaign_id"]], out_dir,
                              seed, cdr_when, settings)
        with open(path, encoding="utf-8", newline="") as handle:
            for fields in csv.reader(handle):
                disposition_of[fields[17]] = fields[14]  # userfield → disposition
    answered_members = {m for m, d in disposition_of.items() if d == "ANSWERED"}
    members = members_df.drop_duplicates("member_id")
    payments, sales = [], []
    for row in members.itertuples(index=False):
        group = 2 if row.is_control else (0 if row.member_id in answered_members else 1)
        known_amount = row.amount_due is not None and not pd.isna(row.amount_due)
        if row.conversion_rule == "premium_paid_7d" and isinstance(row.subject_id, str) \
                and known_amount and rng.random() < PAY_P[group]:
            policy_id, _, due = row.subject_id.partition(":")
            paid = when + timedelta(hours=int(rng.integers(1, 6 * 24)))
            payments.append([policy_id, due, f"{row.amount_due:.2f}",
                             paid.strftime("%Y-%m-%d %H:%M:%S"), f"{row.amount_due:.2f}"])
        elif row.conversion_rule == "product_bought_30d" and rng.random() < BUY_P[group]:
            digest = hashlib.md5(str(row.member_id).encode()).hexdigest()[:10].upper()
            start = (when + timedelta(days=int(rng.integers(1, 25)))).date()
            sales.append([f"PX{digest}", row.customer_id, "HX-CARE", "health", start.isoformat(),
                          (start + timedelta(days=365)).isoformat(), "2400.00", "annual",
                          "active", "", when.strftime("%Y-%m-%d %H:%M:%S")])
    counts = {"cdr": len(attempts), "premiums": len(payments), "policies": len(sales)}
    for feed, header, rows in (
        ("premiums", ["policy_id", "due_date", "amount_due", "paid_at", "amount_paid"], payments),
        ("policies", ["policy_id", "customer_id", "product_code", "product_line", "start_date",
                      "end_date", "annual_premium", "payment_frequency", "status",
                      "sales_agent_id", "updated_at"], sales),
    ):
        if not rows:
            continue
        path = out_dir / feed / f"campaign-{feed}-{stamp}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, path)
    return counts


LEDGER_DDL = """create table if not exists ops.campaign_simulation_ledger (
    item varchar primary key,  -- 'attempt:<attempt_id>' or 'member:<member_id>'
    simulated_at timestamp not null
)"""


def simulate_campaign_outcomes(
    settings: Settings | None = None,
    out_dir: Path | None = None,
    *,
    seed: int = 42,
    when: datetime | None = None,
) -> dict[str, int]:
    """Simulate, once each, the outcomes of attempts not simulated before (CDRs) and the
    conversions of members not simulated before (treated and control), into ``out_dir``
    (default: the landing dir) for the next ``ccdw ingest``."""
    settings = settings or get_settings()
    with connect(settings) as con:
        con.execute(LEDGER_DDL)
        frame = con.execute(
            """select m.member_id, m.campaign_id, m.customer_id, m.phone_e164, m.is_control, m.conversion_rule,
                      m.subject_id,
                      case when la.item is null then a.attempt_id end as attempt_id,
                      a.sent_at, p.amount_due, m.eligible_from,
                      lm.item is not null as member_done
               from ops.campaign_members m
               left join ops.dial_attempts a on a.member_id = m.member_id
               left join ops.campaign_simulation_ledger la on la.item = 'attempt:' || a.attempt_id
               left join ops.campaign_simulation_ledger lm on lm.item = 'member:' || m.member_id
               left join marts.fct_premiums p
                 on m.conversion_rule = 'premium_paid_7d'
                and p.policy_id || ':' || strftime(p.due_date, '%Y-%m-%d') = m.subject_id
               where m.status in ('eligible', 'queued', 'dialing', 'done')
               order by m.member_id, a.sent_at"""
        ).df()
        fresh = frame[~frame["member_done"] | frame["attempt_id"].notna()]
        if fresh.empty:
            return {"cdr": 0, "premiums": 0, "policies": 0}
        if when is None:
            sent = fresh["sent_at"].dropna()
            when = (sent.max() if len(sent) else fresh["eligible_from"].max()).to_pydatetime()
        # Conversions only for members seen for the first time; CDRs for every new attempt.
        members_part = fresh.assign(
            conversion_rule=fresh["conversion_rule"].where(~fresh["member_done"], None)
        )
        counts = simulate_outcomes(members_part, out_dir or settings.landing_dir, seed, when,
                                   settings)
        items = [f"attempt:{a}" for a in fresh["attempt_id"].dropna().unique()]
        items += [f"member:{m}" for m in fresh.loc[~fresh["member_done"], "member_id"].unique()]
        con.executemany(
            "insert or ignore into ops.campaign_simulation_ledger values (?, ?)",
            [[item, when] for item in items],
        )
    return counts
