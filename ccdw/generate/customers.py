"""Customers (with latent value parameters), their corrections, callers and the DNC feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ccdw.generate.people import (
    ALL_CITIES,
    CITY_WEIGHTS,
    chinese_names,
    id_numbers,
    landline_numbers,
    mobile_numbers,
    raw_phone_forms,
)
from ccdw.generate.telephony import Callers
from ccdw.generate.writers import date_column

WEALTH_SIGMA = 1.7  # lognormal σ of latent wealth: top 20% hold ≈ 80% of it
WEALTH_MEDIAN = 40_000.0


@dataclass
class Population:
    frame: pd.DataFrame  # the customers feed columns (initial version)
    wealth: np.ndarray  # latent wealth (CNY)
    income: np.ndarray  # latent monthly income (CNY)
    card_spend: np.ndarray  # latent monthly card spend (CNY)
    national: np.ndarray  # primary phone, national form
    area_len: np.ndarray  # 0 mobile, else landline area-code length
    city_center: np.ndarray


def naive_epoch(day: date) -> int:
    """Seconds of local midnight on a naive (site-local) clock: CRM timestamps carry no zone."""
    return (day - date(1970, 1, 1)).days * 86400


def _ts(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(values, unit="s")).dt.floor("s")


def build_population(
    rng: np.random.Generator, n: int, end: date, rms: pd.DataFrame
) -> Population:
    ids = np.array([f"C{i + 1:08d}" for i in range(n)])
    gender = np.where(rng.random(n) < 0.5, "M", "F")
    age_days = rng.integers(20 * 365, 80 * 365, n)
    end64 = np.datetime64(end.isoformat(), "D")
    birth = end64 - age_days.astype("timedelta64[D]")
    city_idx = rng.choice(len(ALL_CITIES), n, p=CITY_WEIGHTS)
    prov = np.array([p.name for p, _ in ALL_CITIES])[city_idx]
    city = np.array([c.name for _, c in ALL_CITIES])[city_idx]
    city_center = np.array([c.center_id for _, c in ALL_CITIES])[city_idx]
    area = np.array([c.area_code for _, c in ALL_CITIES])[city_idx]
    county_codes = np.array(
        [c.counties[int(k) % len(c.counties)].code for (_, c), k in
         zip((ALL_CITIES[i] for i in city_idx), rng.integers(0, 6, n), strict=True)]
    )
    names = chinese_names(rng, gender)
    idn = id_numbers(rng, county_codes, birth, gender)
    landline = rng.random(n) < 0.15
    national = np.where(landline, landline_numbers(rng, area), mobile_numbers(rng, n))
    area_len = np.where(landline, np.char.str_len(area.astype(str)), 0)
    phone = raw_phone_forms(rng, national, area_len)
    has2 = rng.random(n) < 0.3
    phone2 = np.where(has2, mobile_numbers(rng, n), "")
    domains = np.array(["163.com", "qq.com", "126.com", "sina.com", "gmail.com"])
    has_mail = rng.random(n) < 0.6
    email = np.where(has_mail, np.char.add(np.char.add("u", np.char.zfill(
        rng.integers(0, 10**8, n).astype("U8"), 8)), np.char.add("@", domains[rng.integers(0, 5, n)])), "")
    wealth = WEALTH_MEDIAN * rng.lognormal(0.0, WEALTH_SIGMA, n)
    income = np.clip(9000.0 * np.sqrt(wealth / WEALTH_MEDIAN) * rng.lognormal(0, 0.25, n), 2500, 400_000)
    card_spend = income * rng.uniform(0.1, 0.4, n)
    # RMs serve the wealthiest decile, in their city where possible.
    rm_ids = np.full(n, "", dtype=object)
    top = wealth >= np.quantile(wealth, 0.9)
    rm_city = rms.groupby("center_id")["rm_id"].apply(list).to_dict()
    all_rm = rms["rm_id"].to_numpy()
    for i in np.flatnonzero(top):
        pool = rm_city.get(city_center[i]) or list(all_rm)
        rm_ids[i] = pool[int(rng.integers(0, len(pool)))]
    end_epoch = naive_epoch(end)
    created = end_epoch - rng.integers(400 * 86400, 10 * 365 * 86400, n)
    updated = created + rng.integers(0, 300 * 86400, n)
    updated = np.minimum(updated, end_epoch - 380 * 86400)
    dnc = (rng.random(n) < 0.03).astype(int)
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "name": names,
            "gender": np.where(rng.random(n) < 0.02, None, gender),
            "birth_date": date_column(birth),
            "id_number": idn,
            "phone": phone,
            "phone2": np.where(phone2 == "", None, phone2),
            "email": np.where(email == "", None, email),
            "province": prov,
            "city": city,
            "rm_id": np.where(rm_ids == "", None, rm_ids),
            "created_at": _ts(created),
            "do_not_call": dnc,
            "updated_at": _ts(np.maximum(updated, created)),
        }
    )
    return Population(frame, wealth, income, card_spend, national, area_len, city_center)


def corrections(rng: np.random.Generator, pop: Population, rms: pd.DataFrame,
                window_start: date, end: date) -> pd.DataFrame:
    """A later customers export: ~4% changed phone and/or RM, updated_at inside the window."""
    n = len(pop.frame)
    k = max(5, n // 25)
    pick = np.sort(rng.choice(n, k, replace=False))
    df = pop.frame.iloc[pick].copy()
    new_phone = rng.random(k) < 0.7
    fresh = mobile_numbers(rng, k)
    df["phone"] = np.where(new_phone, fresh, df["phone"].to_numpy())
    change_rm = ~new_phone | (rng.random(k) < 0.2)
    rm_pool = rms["rm_id"].to_numpy()
    df["rm_id"] = np.where(change_rm, rm_pool[rng.integers(0, len(rm_pool), k)], df["rm_id"].to_numpy())
    span = max(1, (end - window_start).days + 1) * 86400
    base = naive_epoch(window_start)
    df["updated_at"] = _ts(base + rng.integers(0, span, k)).to_numpy()
    return df


def callers_from(rng: np.random.Generator, pop: Population, unknown_share: float = 0.25) -> Callers:
    """Caller pool: customers' numbers as the trunk presents them, plus unknown numbers."""
    n_cust = len(pop.frame)
    n_unknown = max(10, int(n_cust * unknown_share / (1 - unknown_share)))
    national = np.concatenate([pop.national, mobile_numbers(rng, n_unknown)])
    is_mobile = np.concatenate([pop.area_len == 0, np.ones(n_unknown, bool)])
    plus = rng.random(len(national)) < 0.15
    src = np.where(is_mobile & plus, np.char.add("+86", national.astype(str)), national)
    cust = np.concatenate([pop.frame["customer_id"].to_numpy(dtype=str), np.full(n_unknown, "")])
    return Callers(src.astype(str), national.astype(str), cust)


def dnc_frame(rng: np.random.Generator, pop: Population, end: date) -> pd.DataFrame:
    flagged = pop.frame["do_not_call"].to_numpy() == 1
    phones = pop.frame.loc[flagged, "phone"].to_numpy(dtype=str)
    k = max(5, len(pop.frame) // 100)
    external = mobile_numbers(rng, k)
    forms = raw_phone_forms(rng, external, np.zeros(k, dtype=int))
    all_phones = np.concatenate([phones, forms])
    _, first = np.unique(all_phones, return_index=True)
    all_phones = all_phones[np.sort(first)]
    m = len(all_phones)
    end_epoch = naive_epoch(end)
    added = end_epoch - rng.integers(86400, 3 * 365 * 86400, m)
    source = np.array(["customer_request", "regulator", "complaint"])[rng.choice(3, m, p=[0.6, 0.3, 0.1])]
    return pd.DataFrame({"phone": all_phones, "added_at": _ts(added), "source": source})


def window_start_for(end: date, days: int) -> date:
    return end - timedelta(days=days - 1)
