"""Fund-movement anomalies: rules, an IsolationForest second opinion, episodes and persistence.

1. ``rules.run_rules`` finds typology episodes with readable reasons.
2. Detections on one account that share transactions (or, for one typology, overlap in
   time) are one episode: merged, the more specific typology naming it.
3. An IsolationForest over per-account features scores how unusual the whole account looks;
   the final score is ``(1 - w) * rule_score + w * forest_percentile`` so the forest can raise
   or lower an alert but never create one on its own.
4. Persisting matches each episode to the alerts already stored (same account, shared
   transactions or overlapping window): a match keeps its ``anomaly_id`` and is updated, so
   re-scoring never mints a second alert for an episode. New episodes a relationship manager
   has marked ``expected`` / ``false_positive`` for the same customer and typology are
   suppressed for ``suppress_days``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from threadpoolctl import threadpool_limits

from models_ml.config import AnomalyConfig
from models_ml.rules import SYSTEM_TXN_TYPES, TYPOLOGIES, Detection, rule_score, run_rules

log = logging.getLogger(__name__)

# When one episode matches several typologies, the most specific one names it.
TYPOLOGY_PRIORITY: tuple[str, ...] = (
    "structuring",
    "dormant_reactivation",
    "pass_through",
    "purchase_burst",
    "large_outflow",
)
SUPPRESSING_DISPOSITIONS: tuple[str, ...] = ("expected", "false_positive")


@dataclass
class Alert:
    typology: str
    account_id: str
    customer_id: str | None
    window_start: datetime
    window_end: datetime
    txn_ids: list[str]
    rule_score: float
    reasons: list[str]
    iforest_score: float = 0.5
    score: float = 0.0
    rm_id: str | None = None
    typologies: list[str] = field(default_factory=list)

    @property
    def anomaly_id(self) -> str:
        """Id for a new episode: account, typology and its first transaction (stable)."""
        digest = hashlib.sha256(f"{self.account_id}|{self.typology}|{min(self.txn_ids)}".encode()).hexdigest()
        return f"FA-{digest[:16]}"


class _Windowed(Protocol):
    window_start: datetime
    window_end: datetime


def _overlaps(a: _Windowed, b: _Windowed) -> bool:
    return a.window_start <= b.window_end and b.window_start <= a.window_end


def merge_detections(detections: list[Detection]) -> list[Alert]:
    """Union-find per account: shared transactions, or same typology overlapping in time."""
    by_account: dict[str, list[Detection]] = {}
    for det in detections:
        by_account.setdefault(det.account_id, []).append(det)
    alerts: list[Alert] = []
    for account_id in sorted(by_account):
        for members in _connected(by_account[account_id]):
            alerts.append(_merge(members))
    alerts.sort(key=lambda a: (a.account_id, a.window_start, a.typology))
    return alerts


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _connected(group: list[Detection]) -> list[list[Detection]]:
    """Groups of detections linked by shared transactions or same-typology time overlap."""
    parent = list(range(len(group)))
    for i in range(len(group)):
        for j in range(i + 1, len(group)):
            a, b = group[i], group[j]
            shared = bool(set(a.txn_ids) & set(b.txn_ids))
            if shared or (a.typology == b.typology and _overlaps(a, b)):
                parent[_find(parent, i)] = _find(parent, j)
    clusters: dict[int, list[Detection]] = {}
    for i, det in enumerate(group):
        clusters.setdefault(_find(parent, i), []).append(det)
    return list(clusters.values())


def _merge(members: list[Detection]) -> Alert:
    typologies = sorted({m.typology for m in members}, key=TYPOLOGY_PRIORITY.index)
    primary = typologies[0]
    txn_ids = sorted({t for m in members for t in m.txn_ids})
    reasons: list[str] = []
    for m in sorted(members, key=lambda d: (TYPOLOGY_PRIORITY.index(d.typology), d.window_start)):
        reasons.extend(r for r in m.reasons if r not in reasons)
    return Alert(
        typology=primary,
        account_id=members[0].account_id,
        customer_id=members[0].customer_id,
        window_start=min(m.window_start for m in members),
        window_end=max(m.window_end for m in members),
        txn_ids=txn_ids,
        rule_score=max(rule_score(m.strength) for m in members),
        reasons=reasons,
        typologies=typologies,
    )


ACCOUNT_FEATURES_SQL = """
with t as (
    select account_id, booked_at, abs_amount, direction, txn_type, channel,
           datediff('day', lag(booked_at) over (partition by account_id order by booked_at, txn_id),
                    booked_at) as gap_days
    from marts.fct_transactions
    where not list_contains($system_types, txn_type)
)
select account_id,
       count(*) as n_txns,
       ln(1 + sum(case when direction = 'in' then abs_amount else 0 end)) as log_in,
       ln(1 + sum(case when direction = 'out' then abs_amount else 0 end)) as log_out,
       ln(1 + coalesce(max(abs_amount) filter (where direction = 'out'), 0)) as log_max_out,
       ln(1 + coalesce(max(abs_amount) filter (where direction = 'in'), 0)) as log_max_in,
       ln(1 + coalesce(max(abs_amount) filter (where direction = 'out'), 0))
         - ln(1 + coalesce(median(abs_amount) filter (where direction = 'out'), 0)) as log_out_peak,
       ln(1 + coalesce(max(gap_days), 0)) as log_max_gap,
       count(*) filter (where txn_type = 'deposit' and abs_amount >= $near_low
                        and abs_amount < $near_high) as near_threshold_deposits,
       count(*) filter (where txn_type in ('purchase', 'subscription') and abs_amount >= $large_purchase)
         as large_purchases,
       abs(sum(case when direction = 'in' then abs_amount else 0 end)
           - sum(case when direction = 'out' then abs_amount else 0 end))
         / greatest(sum(abs_amount), 1) as flow_imbalance
from t
where booked_at >= $since
group by account_id
order by account_id
"""


def forest_percentiles(con: duckdb.DuckDBPyConnection, cfg: AnomalyConfig, since: datetime) -> pd.Series:
    """Per account: share of accounts that look less unusual (0..1), from an IsolationForest."""
    rules = cfg.rules
    frame = con.execute(
        ACCOUNT_FEATURES_SQL,
        {
            "system_types": SYSTEM_TXN_TYPES,
            "since": since,
            "near_low": rules.structuring.threshold - rules.structuring.band_below,
            "near_high": rules.structuring.threshold,
            "large_purchase": rules.purchase_burst.min_amount,
        },
    ).df()
    if len(frame) < 10:
        return pd.Series(0.5, index=frame["account_id"], dtype=float)
    features = frame.drop(columns=["account_id"]).fillna(0.0).to_numpy(dtype=float)
    with threadpool_limits(1):  # see value.cluster_segments: oversubscription on shared cores
        forest = IsolationForest(
            n_estimators=cfg.isolation_forest.n_estimators,
            random_state=cfg.isolation_forest.seed,
            n_jobs=1,
        ).fit(features)
        abnormality = -forest.score_samples(features)
    # Percentile rank, ties by position (accounts are sorted): deterministic.
    order = np.lexsort((np.arange(len(abnormality)), abnormality))
    pct = np.empty(len(abnormality))
    pct[order] = np.arange(len(abnormality)) / max(len(abnormality) - 1, 1)
    return pd.Series(pct, index=frame["account_id"].to_numpy())


def detect(con: duckdb.DuckDBPyConnection, cfg: AnomalyConfig, as_of: datetime) -> list[Alert]:
    """Scored alerts over the lookback window (not yet matched to stored alerts)."""
    since = as_of - timedelta(days=cfg.lookback_days)
    alerts = merge_detections(run_rules(con, cfg.rules, since))
    if not alerts:
        return []
    weight = cfg.isolation_forest.weight if cfg.isolation_forest.enabled else 0.0
    forest = forest_percentiles(con, cfg, since) if weight > 0 else pd.Series(dtype=float)
    rms = dict(con.execute("select customer_id, rm_id from marts.mart_customer_360").fetchall())
    kept = []
    for alert in alerts:
        alert.iforest_score = float(forest.get(alert.account_id, 0.5))
        alert.score = round((1 - weight) * alert.rule_score + weight * alert.iforest_score, 6)
        alert.rm_id = rms.get(alert.customer_id)
        if alert.score >= cfg.min_score:
            kept.append(alert)
    return kept


# -- persistence ----------------------------------------------------------------------------


@dataclass
class StoredAlert:
    anomaly_id: str
    customer_id: str | None
    account_id: str
    typology: str
    window_start: datetime
    window_end: datetime
    txn_ids: list[str]


@dataclass
class Suppression:
    customer_id: str
    typology: str
    start: datetime
    until: datetime
    anomaly_id: str


@dataclass
class PersistResult:
    new_ids: list[str]
    updated_ids: list[str]
    suppressed: int


def _stored(con: duckdb.DuckDBPyConnection) -> dict[str, list[StoredAlert]]:
    rows = con.execute(
        "select anomaly_id, customer_id, account_id, typology, window_start, window_end, txn_ids "
        "from ml.fund_anomalies order by anomaly_id"
    ).fetchall()
    by_account: dict[str, list[StoredAlert]] = {}
    for row in rows:
        by_account.setdefault(row[2], []).append(StoredAlert(*row[:6], list(row[6])))
    return by_account


def suppressions(con: duckdb.DuckDBPyConnection, cfg: AnomalyConfig) -> list[Suppression]:
    """Active ``expected`` / ``false_positive`` dispositions (the latest feedback per alert wins)."""
    rows = con.execute(
        """
        select a.customer_id, a.typology, a.window_start, a.window_end, f.given_at, a.anomaly_id
        from (select anomaly_id, arg_max(disposition, given_at) as disposition, max(given_at) as given_at
              from ops.alert_feedback group by anomaly_id) f
        join ml.fund_anomalies a using (anomaly_id)
        where list_contains($dispositions, f.disposition)
        order by a.anomaly_id
        """,
        {"dispositions": list(SUPPRESSING_DISPOSITIONS)},
    ).fetchall()
    out = []
    for customer_id, typology, start, end, given_at, anomaly_id in rows:
        days = cfg.suppress_days.get(typology, cfg.suppress_days.get("default", 90))
        out.append(Suppression(customer_id, typology, start, max(given_at, end) + timedelta(days=days), anomaly_id))
    return out


def _match(alert: Alert, stored: list[StoredAlert]) -> StoredAlert | None:
    ids = set(alert.txn_ids)
    for candidate in stored:  # shared transactions: the same episode whatever the typology
        if ids & set(candidate.txn_ids):
            return candidate
    for candidate in stored:
        if candidate.typology == alert.typology and _overlaps(alert, candidate):
            return candidate
    return None


def _suppressed_by(alert: Alert, active: list[Suppression]) -> Suppression | None:
    for s in active:
        if (
            s.customer_id == alert.customer_id
            and s.typology == alert.typology
            and alert.window_end >= s.start
            and alert.window_start <= s.until
        ):
            return s
    return None


def persist_alerts(
    con: duckdb.DuckDBPyConnection,
    cfg: AnomalyConfig,
    alerts: list[Alert],
    model_version: str,
    detected_at: datetime,
) -> PersistResult:
    """Insert new episodes and refresh matched ones; call inside the caller's transaction."""
    stored = _stored(con)
    active = suppressions(con, cfg)
    new_ids: list[str] = []
    updated: list[str] = []
    suppressed = 0
    for alert in alerts:
        match = _match(alert, stored.get(alert.account_id, []))
        reasons = "; ".join(alert.reasons)
        if match is not None:
            txn_ids = sorted(set(match.txn_ids) | set(alert.txn_ids))
            con.execute(
                """update ml.fund_anomalies
                   set window_start = least(window_start, $start), window_end = greatest(window_end, $end),
                       txn_ids = $txn_ids, typology = $typology, score = $score, reasons = $reasons,
                       rm_id = $rm_id, model_version = $version, rule_score = $rule_score,
                       iforest_score = $iforest, last_seen_at = $seen
                   where anomaly_id = $id""",
                {
                    "start": alert.window_start,
                    "end": alert.window_end,
                    "txn_ids": txn_ids,
                    "typology": alert.typology,
                    "score": alert.score,
                    "reasons": reasons,
                    "rm_id": alert.rm_id,
                    "version": model_version,
                    "rule_score": alert.rule_score,
                    "iforest": alert.iforest_score,
                    "seen": detected_at,
                    "id": match.anomaly_id,
                },
            )
            match.txn_ids = txn_ids
            updated.append(match.anomaly_id)
            continue
        blocker = _suppressed_by(alert, active)
        if blocker is not None:
            log.info(
                "suppressed %s on %s until %s (RM feedback on %s)",
                alert.typology, alert.account_id, blocker.until, blocker.anomaly_id,
            )
            suppressed += 1
            continue
        anomaly_id = alert.anomaly_id
        con.execute(
            """insert into ml.fund_anomalies (anomaly_id, customer_id, account_id, window_start, window_end,
                   txn_ids, typology, score, reasons, rm_id, model_version, detected_at, rule_score,
                   iforest_score, last_seen_at)
               values ($id, $customer, $account, $start, $end, $txn_ids, $typology, $score, $reasons,
                   $rm_id, $version, $detected, $rule_score, $iforest, $detected)""",
            {
                "id": anomaly_id,
                "customer": alert.customer_id,
                "account": alert.account_id,
                "start": alert.window_start,
                "end": alert.window_end,
                "txn_ids": alert.txn_ids,
                "typology": alert.typology,
                "score": alert.score,
                "reasons": reasons,
                "rm_id": alert.rm_id,
                "version": model_version,
                "detected": detected_at,
                "rule_score": alert.rule_score,
                "iforest": alert.iforest_score,
            },
        )
        stored.setdefault(alert.account_id, []).append(
            StoredAlert(anomaly_id, alert.customer_id, alert.account_id, alert.typology,
                        alert.window_start, alert.window_end, list(alert.txn_ids))
        )
        new_ids.append(anomaly_id)
    return PersistResult(new_ids, updated, suppressed)


def typology_counts(alerts: list[Alert]) -> dict[str, int]:
    return {t: sum(1 for a in alerts if a.typology == t) for t in TYPOLOGIES}
