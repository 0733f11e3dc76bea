"""Simulated outcomes of pushed campaign calls, as feeds the next ingest lands.

The generator room was to provide ``ccdw.generate.outcomes.simulate_dial_outcomes``; it did
not exist when the closed loop needed it, so this room has its own small one (same
signature). It writes:

- ``cdr/campaign-outcomes-<when>.csv``: one outbound CDR per dial attempt (cdr_csv layout,
  21 columns) with ``userfield`` = member_id, as Asterisk writes for a call that carried
  ``CDR(userfield)``;
- ``premiums/campaign-payments-<when>.csv``: later versions of reminded premiums, now paid
  (more often after an answered reminder than in the control group);
- ``policies/campaign-sales-<when>.csv``: new policies bought by cross-sell members.

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
from ccdw.settings import Settings, get_settings

DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
DISPOSITION_P = (0.55, 0.25, 0.1, 0.05, 0.05)
# P(convert) by (treated and answered, treated not answered, control).
PAY_P = (0.7, 0.35, 0.3)
BUY_P = (0.3, 0.08, 0.06)


def _q(value: object) -> str:
    """cdr_csv quoting: strings in double quotes (inner quotes doubled), numbers bare."""
    if value is None:
        return ""
    if isinstance(value, int | np.integer):
        return str(int(value))
    return '"' + str(value).replace('"', '""') + '"'


def _write_atomic(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, path)


def _cdr_lines(attempts: pd.DataFrame, rng: np.random.Generator) -> tuple[list[str], dict[str, str]]:
    lines, disposition_of = [], {}
    for i, row in enumerate(attempts.itertuples(index=False)):
        disposition = str(rng.choice(DISPOSITIONS, p=DISPOSITION_P))
        disposition_of[row.attempt_id] = disposition
        start = pd.Timestamp(row.sent_at).to_pydatetime() + timedelta(seconds=int(rng.integers(1, 5)))
        ring = int(rng.integers(5, 30))
        talk = int(rng.integers(30, 400)) if disposition == "ANSWERED" else 0
        answer = start + timedelta(seconds=ring) if talk else None
        end = start + timedelta(seconds=ring + talk)
        uniqueid = f"{int(start.timestamp())}.{900000 + i}"
        number = str(row.phone_e164)
        caller = "4008001234"
        fields = [
            _q(""), _q(caller), _q(number), _q("ccdw-outbound"), _q(f'"CCDW" <{caller}>'),
            _q(f"PJSIP/trunk-c{i:07x}"), _q(""), _q("Dial"), _q(f"PJSIP/{number}@trunk,30"),
            _q(start.strftime("%Y-%m-%d %H:%M:%S")),
            _q(answer.strftime("%Y-%m-%d %H:%M:%S")) if answer else "",
            _q(end.strftime("%Y-%m-%d %H:%M:%S")),
            str(ring + talk), str(talk), _q(disposition), _q("DOCUMENTATION"), _q(uniqueid),
            _q(row.member_id), _q(""), _q(uniqueid), str(900000 + i),
        ]
        lines.append(",".join(fields) + "\n")
    return lines, disposition_of


def simulate_dial_outcomes(
    members_df: pd.DataFrame, out_dir: Path, seed: int, when: datetime
) -> dict[str, int]:
    """Write outcome feeds for ``members_df`` into the landing dir ``out_dir``.

    ``members_df`` has one row per member (treated and control): ``member_id, customer_id,
    phone_e164, is_control, conversion_rule, subject_id`` and, for dialed members,
    ``attempt_id, sent_at`` (one row per attempt) plus ``amount_due`` for premium reminders.
    """
    rng = np.random.default_rng(seed)
    stamp = when.strftime("%Y%m%dT%H%M%S")
    attempts = members_df[members_df["attempt_id"].notna()].sort_values(["sent_at", "attempt_id"])
    cdr_lines, disposition_of = _cdr_lines(attempts, rng)
    answered_members = {
        m for m, a in zip(attempts["member_id"], attempts["attempt_id"], strict=True)
        if disposition_of[a] == "ANSWERED"
    }
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
    counts = {"cdr": len(cdr_lines), "premiums": len(payments), "policies": len(sales)}
    if cdr_lines:
        _write_atomic(out_dir / "cdr" / f"campaign-outcomes-{stamp}.csv", cdr_lines)
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
            """select m.member_id, m.customer_id, m.phone_e164, m.is_control, m.conversion_rule,
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
        counts = simulate_dial_outcomes(members_part, out_dir or settings.landing_dir, seed, when)
        items = [f"attempt:{a}" for a in fresh["attempt_id"].dropna().unique()]
        items += [f"member:{m}" for m in fresh.loc[~fresh["member_done"], "member_id"].unique()]
        con.executemany(
            "insert or ignore into ops.campaign_simulation_ledger values (?, ?)",
            [[item, when] for item in items],
        )
    return counts
