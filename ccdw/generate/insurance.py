"""Insurance policies and their premium schedules (with unpaid and overdue instalments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ccdw.generate.customers import Population, naive_epoch
from ccdw.generate.writers import date_column

PRODUCTS = {
    "life": (("LIFE-WL01", 20), ("LIFE-TERM20", 20), ("LIFE-ANN10", 10)),
    "pnc": (("PNC-AUTO", 1), ("PNC-HOME", 1)),
    "health": (("HLTH-MED", 1), ("HLTH-CI", 15)),
}
FREQ_MONTHS = {"annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1}


@dataclass
class Insurance:
    policies: pd.DataFrame
    premiums: pd.DataFrame
    annual_premium_by_customer: np.ndarray  # latent premium per customer (CNY/year)


def build_insurance(rng: np.random.Generator, pop: Population, end: date) -> Insurance:
    n = len(pop.frame)
    counts = np.where(rng.random(n) < 0.45, rng.geometric(0.6, n), 0)
    cust = np.repeat(np.arange(n), counts)
    m = len(cust)
    line = rng.choice(np.array(["life", "pnc", "health"]), m, p=[0.45, 0.3, 0.25])
    prod_idx = rng.integers(0, 3, m)
    code = np.empty(m, dtype=object)
    term = np.empty(m, dtype=np.int64)
    for ln, prods in PRODUCTS.items():
        sel = line == ln
        j = prod_idx[sel] % len(prods)
        code[sel] = np.array([p[0] for p in prods])[j]
        term[sel] = np.array([p[1] for p in prods])[j]
    end64 = np.datetime64(end.isoformat(), "D")
    start_m = (end64 - rng.integers(30, 4 * 365, m).astype("timedelta64[D]")).astype("datetime64[M]")
    dom = rng.integers(0, 28, m).astype("timedelta64[D]")
    start = start_m.astype("datetime64[D]") + dom
    end_date = (start_m + term * 12).astype("datetime64[D]") + dom - np.timedelta64(1, "D")
    base = np.where(line == "life", 6000, np.where(line == "pnc", 3500, 2500))
    premium = np.round(base * (pop.wealth[cust] / 40_000) ** 0.35 * rng.lognormal(0, 0.3, m), 0)
    freq = np.where(line == "life", rng.choice(np.array(["annual", "semiannual", "quarterly", "monthly"]), m,
                                               p=[0.5, 0.15, 0.15, 0.2]), "annual")
    freq = np.where((line == "health") & (rng.random(m) < 0.3), "monthly", freq)
    matured = end_date < end64
    lapsed = ~matured & (rng.random(m) < 0.07)
    cancelled = ~matured & ~lapsed & (rng.random(m) < 0.03)
    status = np.where(matured, "matured", np.where(lapsed, "lapsed", np.where(cancelled, "cancelled", "active")))
    pol_ids = np.char.add("P", np.char.zfill(np.arange(1, m + 1).astype(str), 9))
    updated_days = np.where(status == "active", rng.integers(0, 200, m), rng.integers(0, 60, m))
    updated = pd.to_datetime(naive_epoch(end) - updated_days * 86400 + rng.integers(9 * 3600, 18 * 3600, m), unit="s")
    policies = pd.DataFrame(
        {
            "policy_id": pol_ids,
            "customer_id": pop.frame["customer_id"].to_numpy()[cust],
            "product_code": code,
            "product_line": line,
            "start_date": date_column(start),
            "end_date": date_column(end_date),
            "annual_premium": premium,
            "payment_frequency": freq,
            "status": status,
            "sales_agent_id": np.char.add("SA", np.char.zfill(rng.integers(1, 400, m).astype(str), 4)),
            "updated_at": updated.floor("s"),
        }
    )
    # Premium schedule: every instalment from start to min(end_date, one period after end).
    step = np.array([FREQ_MONTHS[f] for f in freq])
    horizon = np.minimum(end_date, end64 + 31)
    months_total = (horizon.astype("datetime64[M]") - start_m).astype(int)
    n_inst = months_total // step + 1
    pol = np.repeat(np.arange(m), n_inst)
    k = np.arange(len(pol)) - np.repeat(np.cumsum(n_inst) - n_inst, n_inst)
    due = (start_m[pol] + k * step[pol]).astype("datetime64[D]") + dom[pol]
    keep = due <= horizon[pol]
    pol, k, due = pol[keep], k[keep], due[keep]
    amount = np.round(premium[pol] * step[pol] / 12.0, 2)
    past = due <= end64
    days_after = (end64 - due).astype(int)
    paid = past & (rng.random(len(pol)) < 0.985)
    # Lapsed policies stopped paying 2–6 instalments ago; cancelled ones have no later dues.
    last_k = pd.Series(np.where(past, k, -1)).groupby(pol).transform("max").to_numpy()
    lapse_gap = rng.integers(2, 7, m)[pol]
    paid &= ~((status[pol] == "lapsed") & (k > last_k - lapse_gap))
    # A few active policies have the latest instalment still open (due / overdue).
    late = (status[pol] == "active") & (k == last_k) & (rng.random(len(pol)) < 0.12)
    paid &= ~late
    drop = (status[pol] == "cancelled") & (days_after < 0)
    pay_delay = rng.integers(-10, 6, len(pol))
    paid_at = pd.to_datetime(
        (due + pay_delay.astype("timedelta64[D]")).astype("datetime64[s]").astype(np.int64)
        + rng.integers(8 * 3600, 22 * 3600, len(pol)), unit="s")
    paid_at = paid_at.where(paid & ((due + pay_delay.astype("timedelta64[D]")) <= end64))
    paid_mask = ~paid_at.isna()
    premiums = pd.DataFrame(
        {
            "policy_id": pol_ids[pol],
            "due_date": date_column(due),
            "amount_due": amount,
            "paid_at": paid_at,
            "amount_paid": np.where(paid_mask, amount, np.nan),
        }
    )[~drop].reset_index(drop=True)
    active = status == "active"
    per_customer = np.bincount(cust[active], weights=premium[active], minlength=n)
    return Insurance(policies, premiums, per_customer)
