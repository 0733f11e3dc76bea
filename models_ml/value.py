"""Customer value: expected value over the next 12 months, rank, high-value flag, segments.

value_12m = sum over accounts of balance x annual margin (by account type)
          + active annual premium x premium margin x payment persistency
          + fee income run-rate x P(alive)
          + E[repeat active days in 12 months] (BG/NBD) x E[volume per day] (Gamma-Gamma)
            x spend margin

Balances and premiums carry most of a bank-insurer's value; BG/NBD x Gamma-Gamma turns the
transaction history into the expected activity, and P(alive) discounts the run-rate of a
customer who has gone quiet. Parameters live in ``config/value.yaml``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from models_ml.clv import (
    bgnbd_expected_transactions,
    bgnbd_probability_alive,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
)
from models_ml.config import ValueConfig
from models_ml.metrics import pareto_curve

log = logging.getLogger(__name__)

KMEANS_SAMPLE = 200_000

RFM_SEGMENTS = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new_customers",
    "at_risk",
    "cant_lose_them",
    "hibernating",
    "needs_attention",
)

CLUSTER_FEATURES = (
    "balance_now",
    "active_premium",
    "n_txns",
    "total_volume",
    "fee_total",
    "calls_90d",
    "complaints_90d",
)


@dataclass
class ValueResult:
    scores: pd.DataFrame  # customer_id, value_score, value_rank, is_high_value, segment, ...
    params: dict[str, object]
    metrics: dict[str, object]


def repeat_behaviour(features: pd.DataFrame, cfg: ValueConfig) -> tuple[pd.DataFrame, dict[str, object]]:
    """E[active days in the horizon], P(alive) and E[volume per day]; falls back to run-rates."""
    x = features["bg_x"].to_numpy(dtype=float)
    t_x = features["bg_t_x"].to_numpy(dtype=float)
    T = features["bg_T"].to_numpy(dtype=float)
    m = features["bg_m"].to_numpy(dtype=float)
    active = features["active_days"].to_numpy() > 0
    params: dict[str, object] = {}
    out = pd.DataFrame(index=features.index)
    fit_rows = active & (T > 0)
    if int((x[fit_rows] > 0).sum()) >= cfg.min_fit_customers:
        bg = fit_bgnbd(x[fit_rows], t_x[fit_rows], T[fit_rows])
        params["bgnbd"] = bg.as_dict()
        expected = np.zeros(len(x))
        alive = np.zeros(len(x))
        with np.errstate(all="ignore"):  # non-finite rows are replaced by the NBD limit below
            expected[fit_rows] = bgnbd_expected_transactions(
                bg, cfg.horizon_days, x[fit_rows], t_x[fit_rows], T[fit_rows]
            )
            alive[fit_rows] = bgnbd_probability_alive(bg, x[fit_rows], t_x[fit_rows], T[fit_rows])
            # First seen on the last day (no age yet): a fresh customer without repeats.
            fresh = active & (T <= 0)
            expected[fresh] = bgnbd_expected_transactions(bg, cfg.horizon_days, 0.0, 0.0, 1.0)
        alive[fresh] = 1.0
        # A fit with (almost) no dropout (a / (a + b) -> 0) is the NBD limit, where the closed
        # form above cancels catastrophically; use the limit directly there and for any row
        # whose value is not a finite non-negative number.
        nbd = (bg.r + x) / (bg.alpha + np.maximum(T, 0.0)) * cfg.horizon_days
        unstable = (bg.a / (bg.a + bg.b) < 1e-4) | ~np.isfinite(expected) | (expected < 0) | ~np.isfinite(alive)
        if unstable.any():
            params["bgnbd_nbd_limit_rows"] = int((unstable & active).sum())
        expected = np.where(unstable, nbd, expected)
        alive = np.where(unstable, 1.0, alive)
    else:
        params["bgnbd"] = "fallback: run-rate (too few repeat customers to fit)"
        expected = np.where(T > 0, x / np.maximum(T, 1.0) * cfg.horizon_days, 0.0)
        alive = active.astype(float)
    repeaters = (x > 0) & (m > 0)
    if int(repeaters.sum()) >= cfg.min_fit_customers:
        gg = fit_gamma_gamma(x[repeaters], m[repeaters])
        if gg.q > 1:
            params["gamma_gamma"] = gg.as_dict()
            spend = gamma_gamma_expected_spend(gg, x, m)
        else:
            params["gamma_gamma"] = "fallback: observed mean (q <= 1, no finite population mean)"
            spend = m
    else:
        params["gamma_gamma"] = "fallback: observed mean (too few repeat customers to fit)"
        spend = m
    out["expected_txn_12m"] = np.where(active, expected, 0.0)
    out["p_alive"] = np.where(active, alive, 0.0)
    out["expected_day_volume"] = np.where(active, spend, 0.0)
    return out, params


def expected_value(features: pd.DataFrame, behaviour: pd.DataFrame, cfg: ValueConfig) -> pd.Series:
    margin = cfg.balance_margin
    default = margin.get("default", 0.0)
    balance_value = (
        features["bal_savings"].clip(lower=0) * margin.get("savings", default)
        + features["bal_current"].clip(lower=0) * margin.get("current", default)
        + features["bal_wealth"].clip(lower=0) * margin.get("wealth", default)
        + features["bal_card"] * margin.get("card", default)
        + features["bal_other"].clip(lower=0) * default
    )
    premium_value = features["active_premium"] * cfg.premium_margin * features["premium_persistency"]
    window = features["window_days"].clip(lower=1)
    fee_value = features["fee_total"] / window * cfg.horizon_days * behaviour["p_alive"]
    activity_value = behaviour["expected_txn_12m"] * behaviour["expected_day_volume"] * cfg.spend_margin
    # Card and other balances come in signed; savings/current/wealth are clipped at zero above.
    return (balance_value + premium_value + fee_value + activity_value).astype(float)


def _quintile(values: pd.Series, ascending: bool, customer_ids: pd.Series) -> pd.Series:
    """Quintile 1..5 (5 = best) by rank with customer_id as tie-break: deterministic."""
    frame = pd.DataFrame({"v": values.to_numpy(), "id": customer_ids.to_numpy()})
    order = frame.sort_values(["v", "id"], ascending=[ascending, True], kind="stable").index
    ranks = np.empty(len(frame), dtype=np.int64)
    ranks[order] = np.arange(len(frame))
    return pd.Series(1 + (ranks * 5) // max(len(frame), 1), index=values.index)


def rfm_segments(features: pd.DataFrame, value: pd.Series) -> pd.DataFrame:
    ids = features["customer_id"]
    r = _quintile(features["recency_days"], ascending=False, customer_ids=ids)  # recent = 5
    f = _quintile(features["engaged_days"], ascending=True, customer_ids=ids)
    m = _quintile(value, ascending=True, customer_ids=ids)
    segment = np.select(
        [
            (r >= 4) & (f >= 4) & (m >= 4),
            (r >= 3) & (f >= 4),
            (r >= 4) & (f == 3),
            (r >= 4) & (f <= 2),
            (r <= 2) & (f >= 4) & (m >= 4),
            (r <= 2) & (f >= 3),
            (r <= 2) & (f <= 2),
        ],
        ["champions", "loyal", "potential_loyalists", "new_customers", "cant_lose_them", "at_risk", "hibernating"],
        default="needs_attention",
    )
    return pd.DataFrame({"r_quintile": r, "f_quintile": f, "m_quintile": m, "rfm_segment": segment}, index=features.index)


def cluster_segments(features: pd.DataFrame, cfg: ValueConfig) -> tuple[pd.Series, dict[str, object]]:
    """KMeans on log-scaled holdings/activity/contact features, each cluster named by its strongest trait."""
    data = np.log1p(features[list(CLUSTER_FEATURES)].clip(lower=0).to_numpy(dtype=float))
    k = min(cfg.kmeans.clusters, len(features))
    if k < 2:
        return pd.Series(["all"] * len(features), index=features.index), {"clusters": 1}
    scaled = StandardScaler().fit_transform(data)
    # Fit on a fixed-seed sample at scale, assign everyone; one BLAS/OpenMP thread, because
    # on a shared 2-core machine thread oversubscription made the fit 20x slower.
    rng = np.random.default_rng(cfg.kmeans.seed)
    sample = scaled if len(scaled) <= KMEANS_SAMPLE else scaled[np.sort(rng.choice(len(scaled), KMEANS_SAMPLE, replace=False))]
    with threadpool_limits(1):
        model = KMeans(n_clusters=k, random_state=cfg.kmeans.seed, n_init=4).fit(sample)
        assigned_clusters = model.predict(scaled)
    centres = model.cluster_centers_
    names = {
        "balance_now": "savers",
        "active_premium": "insured",
        "n_txns": "transactors",
        "total_volume": "high_flow",
        "fee_total": "fee_payers",
        "calls_90d": "frequent_callers",
        "complaints_90d": "complainers",
    }
    labels: dict[int, str] = {}
    for cluster in range(k):
        centre = centres[cluster]
        if float(centre.max()) < 0:
            labels[cluster] = "low_engagement"
            continue
        labels[cluster] = names[CLUSTER_FEATURES[int(np.argmax(centre))]]
    # Two clusters may share a trait: number them so an RM can still tell them apart.
    seen: dict[str, int] = {}
    for cluster in range(k):
        name = labels[cluster]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            labels[cluster] = f"{name}_{seen[name]}"
    names_by_cluster = np.array([labels[c] for c in range(k)], dtype=object)
    assigned = pd.Series(names_by_cluster[assigned_clusters], index=features.index)
    sizes = assigned.value_counts().sort_index().to_dict()
    return assigned, {"clusters": k, "sizes": {str(a): int(b) for a, b in sizes.items()}}


def score_value(features: pd.DataFrame, cfg: ValueConfig) -> ValueResult:
    if features.empty:
        empty = pd.DataFrame(columns=["customer_id", "value_score", "value_rank", "is_high_value", "segment"])
        return ValueResult(empty, {}, {"scored_customers": 0})
    features = features.sort_values("customer_id", kind="stable").reset_index(drop=True)
    behaviour, params = repeat_behaviour(features, cfg)
    value = expected_value(features, behaviour, cfg).round(6)
    order = pd.DataFrame({"v": value, "id": features["customer_id"]}).sort_values(
        ["v", "id"], ascending=[False, True], kind="stable"
    )
    rank = pd.Series(np.empty(len(value), dtype=np.int64), index=value.index)
    rank[order.index] = np.arange(1, len(value) + 1)
    cutoff = math.ceil(cfg.high_value_share * len(value))
    rfm = rfm_segments(features, value)
    clusters, cluster_info = cluster_segments(features, cfg)
    scores = pd.DataFrame(
        {
            "customer_id": features["customer_id"],
            "value_score": value,
            "value_rank": rank.astype(int),
            "is_high_value": rank <= cutoff,
            "segment": rfm["rfm_segment"],
            "rfm_segment": rfm["rfm_segment"],
            "cluster_segment": clusters,
            "expected_txn_12m": behaviour["expected_txn_12m"].round(6),
            "p_alive": behaviour["p_alive"].round(6),
        }
    )
    params.update({"config": cfg.model_dump(), "kmeans": cluster_info})
    metrics = {
        "scored_customers": int(len(scores)),
        "high_value_customers": int(cutoff),
        "total_value_12m": round(float(value.sum()), 2),
        "pareto": pareto_curve(value.to_numpy()),
        "segments": {str(k): int(v) for k, v in scores["segment"].value_counts().sort_index().items()},
    }
    return ValueResult(scores, params, metrics)
