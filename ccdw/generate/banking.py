"""Banking: accounts and transactions with chained balances, planted fund anomalies and
look-alike normal behaviour.

Every stream is drawn from the customer's latent parameters (wealth, income, card spend);
amounts are integer cents. ``balance_after`` chains per account: for consecutive
transactions of an account (ordered by ``booked_at`` then ``txn_id``),
``balance_after[i] = balance_after[i-1] + amount[i]``; the opening balance is chosen so a
savings/current/wealth balance never goes negative.

Planted typologies (``truth/anomalies.csv``), all inside the last 90 days:

* ``large_outflow`` — one transfer_out of 60–90% of the balance (≥ 60,000) to a new
  counterparty.
* ``purchase_burst`` — 6–12 card purchases of 3,000–25,000 within a few hours at different
  merchants (≥ 10× the customer's usual ticket).
* ``dormant_reactivation`` — an account with only interest for ≥ 180 days gets a large
  transfer_in and 2–4 outflows within 3 days.
* ``structuring`` — 3–6 cash deposits of 45,000–49,900 within 1–4 days.
* ``pass_through`` — a transfer_in of 100,000–1,000,000 then, within 48 h, 1–3 transfer_outs
  to other counterparties totalling 92–99% of it.

Look-alikes (``truth/lookalikes.csv``): ``annual_payment`` (a big payment repeated a year
earlier, same counterparty and amount), ``single_large_purchase``, ``dormant_small_deposit``,
``single_48k_deposit``, ``salary_rent`` (high salary in, rent out the next days) and
``bonus_partial_out`` (a large bonus, 30–50% moved out the next day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ccdw.generate.customers import Population, naive_epoch
from ccdw.generate.writers import date_column, money_array

DAY = 86400
EMPLOYERS = np.array(["华南科技有限公司", "浙江制造集团", "成都软件园公司", "江苏物流股份", "武汉汽车配件厂",
                      "广州贸易有限公司", "深圳电子科技", "南京医药公司", "杭州互联网公司", "苏州工业园企业"])
MERCHANTS = np.array(["美团", "京东商城", "淘宝", "中国石化加油站", "沃尔玛", "星巴克", "盒马鲜生", "滴滴出行",
                      "携程旅行", "大润发", "肯德基", "屈臣氏", "国美电器", "苏宁易购", "永辉超市"])
BURST_MERCHANTS = np.array(["周大福珠宝", "苹果官方商城", "华为旗舰店", "国际免税店", "奢侈品专柜", "名表中心",
                            "高端家电城", "黄金交易中心", "数码港", "精品百货"])
BILLS = np.array(["国家电网", "中国移动", "燃气公司", "自来水公司", "物业管理费", "宽带费"])
TYPOLOGIES = ("large_outflow", "purchase_burst", "dormant_reactivation", "structuring", "pass_through")


@dataclass
class Banking:
    accounts: pd.DataFrame
    transactions: pa.Table  # sorted by booked_at, txn_id
    anomalies: pd.DataFrame
    lookalikes: pd.DataFrame
    has_card: np.ndarray  # per customer


class _Rows:
    """Column buffers for transactions before ids and balances exist.

    Text columns are stored as int32 codes into one vocabulary (20M rows of Python strings
    would cost gigabytes); the strings come back as an Arrow ``take`` when writing.
    """

    TEXT = ("ttype", "channel", "cpty")

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []
        self.vocab: dict[str, int] = {}

    def _codes(self, v: str | np.ndarray, n: int) -> np.ndarray:
        if isinstance(v, np.ndarray):
            uniq, inv = np.unique(v.astype(str), return_inverse=True)
            lookup = np.array([self.vocab.setdefault(str(u), len(self.vocab)) for u in uniq],
                              dtype=np.int32)
            return lookup[inv.reshape(-1)]
        return np.full(n, self.vocab.setdefault(v, len(self.vocab)), dtype=np.int32)

    def add(self, acc: np.ndarray, ts: np.ndarray, cents: np.ndarray, ttype: str | np.ndarray,
            channel: str | np.ndarray, cpty: str | np.ndarray, tag: int = -1) -> None:
        n = len(acc)
        if n == 0:
            return
        self.parts.append(
            {
                "acc": np.asarray(acc, np.int64),
                "ts": np.asarray(ts, np.int64),
                "cents": np.asarray(cents, np.int64),
                "ttype": self._codes(ttype, n),
                "channel": self._codes(channel, n),
                "cpty": self._codes(cpty, n),
                "tag": np.full(n, tag, np.int64),
            }
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]})

    def strings(self) -> pa.Array:
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        return pa.array([w if w != "" else None for w in words], pa.string())


def _monthly(rng: np.random.Generator, accs: np.ndarray, start: int, end: int, dom: int,
             jitter: int, hour: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """One event per account per month on day ``dom`` (± jitter days) inside [start, end)."""
    months = pd.date_range(pd.Timestamp(start, unit="s").normalize() - pd.offsets.MonthBegin(1),
                           pd.Timestamp(end, unit="s"), freq="MS")
    base = months.as_unit("s").asi8 + (dom - 1) * DAY
    acc = np.repeat(accs, len(base))
    ts = np.tile(base, len(accs)) + rng.integers(-jitter, jitter + 1, len(acc)) * DAY
    ts = ts + rng.integers(hour[0] * 3600, hour[1] * 3600, len(acc))
    keep = (ts >= start) & (ts < end)
    return acc[keep], ts[keep]


def _poisson(rng: np.random.Generator, accs: np.ndarray, rate_per_day: np.ndarray, start: int,
             end: int, hours: tuple[int, int] = (7, 22)) -> tuple[np.ndarray, np.ndarray]:
    days = (end - start) // DAY
    counts = rng.poisson(np.asarray(rate_per_day) * days)
    acc = np.repeat(accs, counts)
    day = rng.integers(0, days, len(acc))
    ts = start + day * DAY + rng.integers(hours[0] * 3600, hours[1] * 3600, len(acc))
    return acc, ts


def _round_to(cents: np.ndarray, step_yuan: int) -> np.ndarray:
    step = step_yuan * 100
    return np.maximum(step, (cents // step) * step)


def build_banking(rng: np.random.Generator, pop: Population, end: date, history_days: int,
                  activity: float, n_per_typology: int, monthly_share: float = 1.0) -> Banking:
    """``activity`` scales the Poisson streams, ``monthly_share`` the share of accounts with
    monthly ones (salary, rent, card repayment, fees): large sets trade depth for breadth."""
    n = len(pop.frame)
    cust_ids = pop.frame["customer_id"].to_numpy(dtype=str)
    end_ts = naive_epoch(end) + DAY
    start_ts = end_ts - history_days * DAY
    w, inc, spend = pop.wealth, pop.income, pop.card_spend

    # Accounts ---------------------------------------------------------------------------
    has_cur = rng.random(n) < 0.3
    has_card = rng.random(n) < 0.45
    has_wealth = (w >= np.quantile(w, 0.7)) & (rng.random(n) < 0.6)
    acc_cust = np.concatenate([np.arange(n), np.flatnonzero(has_cur), np.flatnonzero(has_card),
                               np.flatnonzero(has_wealth)])
    acc_type = np.concatenate([np.full(n, "savings"), np.full(has_cur.sum(), "current"),
                               np.full(has_card.sum(), "card"), np.full(has_wealth.sum(), "wealth")])
    order = np.lexsort((acc_type, acc_cust))
    acc_cust, acc_type = acc_cust[order], acc_type[order]
    n_acc = len(acc_cust)
    savings_of = np.full(n, -1)
    card_of = np.full(n, -1)
    savings_of[acc_cust[acc_type == "savings"]] = np.flatnonzero(acc_type == "savings")
    card_of[acc_cust[acc_type == "card"]] = np.flatnonzero(acc_type == "card")
    created = pop.frame["created_at"].to_numpy().astype("datetime64[s]").astype(np.int64)
    opened = created[acc_cust] + rng.integers(0, 60, n_acc) * DAY
    opened = (opened // DAY) * DAY
    closable = (acc_type != "savings") & (rng.random(n_acc) < 0.02)
    closed = np.where(closable, end_ts - rng.integers(10, 200, n_acc) * DAY, -1)
    closed = np.where(closed > opened + 30 * DAY, (closed // DAY) * DAY, -1)

    # Anomaly / look-alike customers: disjoint, mid-to-high wealth --------------------------
    k = n_per_typology
    mid = np.flatnonzero((w >= np.quantile(w, 0.35)) & (w <= np.quantile(w, 0.97)))
    perm = rng.permutation(mid)
    card_first = np.concatenate([perm[has_card[perm]], perm[~has_card[perm]]])
    used: set[int] = set()

    def take(pool: np.ndarray, m: int) -> np.ndarray:
        out = []
        for c in pool:
            if int(c) not in used:
                out.append(int(c))
                used.add(int(c))
                if len(out) == m:
                    break
        return np.array(out, dtype=np.int64)

    burst_c = take(card_first[has_card[card_first]], k)
    look_burst_c = take(card_first[has_card[card_first]], k)
    groups = {name: take(perm, k) for name in
              ("large_outflow", "dormant_reactivation", "structuring", "pass_through",
               "annual_payment", "dormant_small_deposit", "single_48k_deposit",
               "bonus_partial_out")}
    high_income = np.argsort(-inc)
    salary_rent_c = take(high_income, k)
    dormant_planted = np.concatenate([groups["dormant_reactivation"], groups["dormant_small_deposit"]])
    dormant_acc = np.zeros(n_acc, bool)
    dormant_acc[savings_of[dormant_planted]] = True
    dormant_acc |= (acc_type == "savings") & (rng.random(n_acc) < 0.03)
    salary_rent_acc = savings_of[salary_rent_c]

    # Normal streams ---------------------------------------------------------------------
    rows = _Rows()
    sav = np.flatnonzero((acc_type == "savings") & ~dormant_acc)
    ac = acc_cust
    ms = monthly_share
    employed = sav[(rng.random(len(sav)) < 0.8 * ms) | np.isin(sav, salary_rent_acc)]
    a, t = _monthly(rng, employed, start_ts, end_ts, 10, 2, (9, 11))
    rows.add(a, t, np.round(inc[ac[a]] * rng.lognormal(0, 0.04, len(a)) * 100), "transfer_in", "online",
             EMPLOYERS[ac[a] % len(EMPLOYERS)])
    renters = sav[(rng.random(len(sav)) < 0.5 * ms) | np.isin(sav, salary_rent_acc)]
    a, t = _monthly(rng, renters, start_ts, end_ts, 12, 1, (8, 20))
    rent = np.round(inc[ac[a]] * 0.3 * 100)
    rows.add(a, t, -rent, "transfer_out", "mobile", np.char.add("房东-", (ac[a] % 9973).astype(str)))
    act = activity
    a, t = _poisson(rng, sav, np.full(len(sav), 0.07 * act), start_ts, end_ts)
    rows.add(a, t, -_round_to(np.round(np.clip(inc[ac[a]] * 0.06 * rng.lognormal(0, 0.5, len(a)), 100, 5000) * 100), 100),
             "withdrawal", "atm", "")
    a, t = _poisson(rng, sav, np.full(len(sav), 0.02 * act), start_ts, end_ts, (9, 17))
    rows.add(a, t, _round_to(np.round(np.clip(inc[ac[a]] * 0.2 * rng.lognormal(0, 0.6, len(a)), 200, 20000) * 100), 100),
             "deposit", rng.choice(np.array(["branch", "atm", "counter"]), len(a)), "")
    a, t = _poisson(rng, sav, np.full(len(sav), 0.1 * act), start_ts, end_ts)
    rows.add(a, t, -np.round(np.clip(inc[ac[a]] * 0.05 * rng.lognormal(0, 0.8, len(a)), 10, inc[ac[a]] * 0.6) * 100),
             "transfer_out", rng.choice(np.array(["online", "mobile"]), len(a)),
             np.where(rng.random(len(a)) < 0.5, BILLS[rng.integers(0, len(BILLS), len(a))],
                      np.char.add("个人-", (ac[a] * 7 % 1000 + rng.integers(0, 4, len(a))).astype(str))))
    a, t = _poisson(rng, sav, np.full(len(sav), 0.03 * act), start_ts, end_ts)
    rows.add(a, t, np.round(np.clip(inc[ac[a]] * 0.08 * rng.lognormal(0, 0.8, len(a)), 10, inc[ac[a]] * 0.8) * 100),
             "transfer_in", "mobile", np.char.add("个人-", (ac[a] * 7 % 1000 + rng.integers(0, 4, len(a))).astype(str)))
    # Interest: quarterly on the 21st, on every savings account (dormant ones too).
    all_sav = np.flatnonzero(acc_type == "savings")
    for month in (3, 6, 9, 12):
        a, t = _monthly(rng, all_sav, start_ts, end_ts, 21, 0, (0, 1))
        keep = pd.to_datetime(t, unit="s").month == month
        a, t = a[keep], t[keep]
        rows.add(a, t, np.maximum(1, np.round(w[ac[a]] * 0.0035 / 4 * 100)), "interest", "counter", "")
    cards = np.flatnonzero(acc_type == "card")
    a, t = _poisson(rng, cards, np.full(len(cards), 0.1 * act), start_ts, end_ts, (8, 23))  # 3/month
    ticket = spend[ac[a]] / 12 * rng.lognormal(-0.3, 0.7, len(a))
    rows.add(a, t, -np.round(np.clip(ticket, 5, 3000) * 100), "purchase",
             rng.choice(np.array(["pos", "online", "mobile"]), len(a)), MERCHANTS[rng.integers(0, len(MERCHANTS), len(a))])
    a, t = _monthly(rng, cards[rng.random(len(cards)) < ms], start_ts, end_ts, 20, 1, (8, 20))
    rows.add(a, t, np.round(spend[ac[a]] * rng.uniform(0.9, 1.1, len(a)) * 100), "transfer_in", "online", "还款")
    cur = np.flatnonzero(acc_type == "current")
    a, t = _monthly(rng, cur[rng.random(len(cur)) < ms], start_ts, end_ts, 28, 0, (1, 2))
    rows.add(a, t, -rng.integers(500, 2000, len(a)), "fee", "counter", "")
    a, t = _poisson(rng, cur, np.full(len(cur), 0.05 * act), start_ts, end_ts)
    sign = np.where(rng.random(len(a)) < 0.5, 1, -1)
    rows.add(a, t, sign * np.round(np.clip(inc[ac[a]] * 0.2 * rng.lognormal(0, 0.7, len(a)), 50, 50000) * 100),
             np.where(sign > 0, "transfer_in", "transfer_out"), "online",
             np.char.add("商户-", (ac[a] % 500).astype(str)))
    wea = np.flatnonzero(acc_type == "wealth")
    a, t = _poisson(rng, wea, np.full(len(wea), 0.01 * act), start_ts, end_ts, (9, 15))
    sign = np.where(rng.random(len(a)) < 0.5, 1, -1)
    rows.add(a, t, sign * np.round(w[ac[a]] * rng.uniform(0.02, 0.1, len(a)) * 100),
             np.where(sign > 0, "redemption", "subscription"), "online", "理财产品")

    # Planted anomalies and look-alikes ---------------------------------------------------
    win_lo = max(start_ts + 200 * DAY, end_ts - 90 * DAY)
    anomalies: list[tuple[str, int, int, str]] = []  # (typology, customer, account, tag)
    look: list[tuple[int, int, str]] = []
    tag = [0]

    def new_tag() -> int:
        tag[0] += 1
        return tag[0]

    def when(lo: int = win_lo, hi: int = end_ts - 3 * DAY) -> int:
        return int(rng.integers(lo, max(lo + 1, hi)))

    def money(yuan: float) -> int:
        return int(round(yuan * 100))

    for c in groups["large_outflow"]:
        acc = savings_of[c]
        tg = new_tag()
        amt = max(60_000.0, 0.75 * w[c]) * rng.uniform(0.85, 1.15)
        rows.add(np.array([acc]), np.array([when()]), np.array([-money(amt)]), "transfer_out",
                 str(rng.choice(["online", "counter", "mobile"])), f"个人-62{rng.integers(10**13, 10**14)}", tg)
        anomalies.append(("large_outflow", c, acc, tg))
    for c in burst_c:
        acc = card_of[c]
        tg = new_tag()
        m = int(rng.integers(6, 13))
        t0 = when()
        ts = np.sort(t0 + rng.integers(0, int(rng.integers(2, 7)) * 3600, m))
        amt = rng.uniform(3000, 25000, m)
        rows.add(np.full(m, acc), ts, -np.round(amt * 100).astype(np.int64), "purchase",
                 rng.choice(np.array(["online", "pos"]), m), BURST_MERCHANTS[np.resize(rng.permutation(len(BURST_MERCHANTS)), m)], tg)
        anomalies.append(("purchase_burst", c, acc, tg))
    for c in groups["dormant_reactivation"]:
        acc = savings_of[c]
        tg = new_tag()
        t0 = when()
        big = rng.uniform(50_000, 200_000)
        m = int(rng.integers(2, 5))
        outs = big * rng.dirichlet(np.ones(m)) * rng.uniform(0.85, 0.98)
        ts = np.concatenate([[t0], np.sort(t0 + rng.integers(3600, 3 * DAY, m))])
        cents = np.concatenate([[money(big)], -np.round(outs * 100).astype(np.int64)])
        types = np.array(["transfer_in"] + ["transfer_out"] * (m - 1) + ["withdrawal"])
        rows.add(np.full(m + 1, acc), ts, cents, types,
                 np.where(types == "withdrawal", "counter", "online"),
                 np.array([f"公司-{rng.integers(1000, 9999)}"] + [f"个人-62{rng.integers(10**13, 10**14)}" for _ in range(m)]), tg)
        anomalies.append(("dormant_reactivation", c, acc, tg))
    for c in groups["structuring"]:
        acc = savings_of[c]
        tg = new_tag()
        m = int(rng.integers(3, 7))
        t0 = when()
        days = int(rng.integers(1, 5))
        ts = np.sort(t0 + rng.integers(0, days * DAY, m))
        cents = _round_to(np.round(rng.uniform(45_000, 49_900, m) * 100).astype(np.int64), 100)
        rows.add(np.full(m, acc), ts, cents, "deposit", rng.choice(np.array(["branch", "atm", "counter"]), m), "", tg)
        anomalies.append(("structuring", c, acc, tg))
    for c in groups["pass_through"]:
        acc = savings_of[c]
        tg = new_tag()
        t0 = when()
        big = rng.uniform(100_000, 1_000_000)
        m = int(rng.integers(1, 4))
        outs = big * rng.uniform(0.92, 0.99) * rng.dirichlet(np.ones(m) * 3)
        ts = np.concatenate([[t0], np.sort(t0 + rng.integers(2 * 3600, 47 * 3600, m))])
        cents = np.concatenate([[money(big)], -np.round(outs * 100).astype(np.int64)])
        rows.add(np.full(m + 1, acc), ts, cents, np.array(["transfer_in"] + ["transfer_out"] * m),
                 "online", np.array([f"公司-{rng.integers(1000, 9999)}"] + [f"个人-62{rng.integers(10**13, 10**14)}" for _ in range(m)]), tg)
        anomalies.append(("pass_through", c, acc, tg))

    for c in groups["annual_payment"]:
        acc = savings_of[c]
        t1 = when()
        amt = money(max(30_000.0, 0.4 * w[c]))
        payee = str(rng.choice(["国际学校学费", "房产税缴纳", "年度保险保费", "物业年费"]))
        rows.add(np.array([acc, acc]), np.array([t1 - 365 * DAY + int(rng.integers(-3, 4)) * DAY, t1]),
                 np.array([-amt, -amt]), "transfer_out", "online", payee)
        look.append((c, acc, "annual_payment"))
    for c in look_burst_c:
        acc = card_of[c]
        rows.add(np.array([acc]), np.array([when()]), np.array([-money(rng.uniform(8_000, 25_000))]),
                 "purchase", "pos", str(rng.choice(BURST_MERCHANTS)))
        look.append((c, acc, "single_large_purchase"))
    for c in groups["dormant_small_deposit"]:
        acc = savings_of[c]
        rows.add(np.array([acc]), np.array([when()]), np.array([money(float(rng.integers(2, 20)) * 100)]),
                 "deposit", "counter", "")
        look.append((c, acc, "dormant_small_deposit"))
    for c in groups["single_48k_deposit"]:
        acc = savings_of[c]
        rows.add(np.array([acc]), np.array([when()]), np.array([money(48_000)]), "deposit", "branch", "")
        look.append((c, acc, "single_48k_deposit"))
    for c in salary_rent_c:
        look.append((c, savings_of[c], "salary_rent"))
    for c in groups["bonus_partial_out"]:
        acc = savings_of[c]
        t0 = when()
        big = rng.uniform(100_000, 300_000)
        rows.add(np.array([acc, acc]), np.array([t0, t0 + int(rng.integers(20, 40)) * 3600]),
                 np.array([money(big), -money(big * rng.uniform(0.3, 0.5))]),
                 np.array(["transfer_in", "transfer_out"]), "online",
                 np.array([EMPLOYERS[c % len(EMPLOYERS)] + "年终奖", "房贷提前还款"]))
        look.append((c, acc, "bonus_partial_out"))

    # Ids, filtering, balances -----------------------------------------------------------
    df = rows.frame()
    rows.parts.clear()  # the frame holds the only copy now
    valid = (df["ts"].to_numpy() >= opened[df["acc"].to_numpy()]) & (
        (closed[df["acc"].to_numpy()] < 0) | (df["ts"].to_numpy() < closed[df["acc"].to_numpy()]))
    valid |= df["tag"].to_numpy() > 0
    df = df[valid]
    df = df.iloc[np.lexsort((df["cents"].to_numpy(), df["acc"].to_numpy(), df["ts"].to_numpy()))].reset_index(drop=True)
    df["txn_no"] = np.arange(1, len(df) + 1, dtype=np.int64)
    df = df.iloc[np.lexsort((np.arange(len(df)), df["acc"].to_numpy()))]
    accs = df["acc"].to_numpy()
    cum = df.groupby("acc", sort=False)["cents"].cumsum().to_numpy()
    low = pd.Series(cum).groupby(accs).transform("min").to_numpy()
    base_open = np.round(np.where(acc_type == "wealth", 0.5, np.where(acc_type == "savings", 0.3, 0.02))
                         * w[acc_cust] * 100).astype(np.int64)
    cushion = rng.integers(20_000, 2_000_000, n_acc)  # 200–20,000 CNY above the lowest point
    opening = np.maximum(base_open[accs], -low + cushion[accs])
    df["balance"] = opening + cum
    df = df.sort_values("txn_no").reset_index(drop=True)

    acc_ids = np.char.add("AC", np.char.zfill(np.arange(1, n_acc + 1).astype(str), 9))
    vocab = rows.strings()
    txn_id = pc.binary_join_element_wise(
        "T", pc.utf8_lpad(pa.array(df["txn_no"].to_numpy()).cast(pa.string()), 12, "0"), "")
    table = pa.table(
        {
            "txn_id": txn_id,
            "account_id": pc.take(pa.array(acc_ids, pa.string()), pa.array(df["acc"].to_numpy())),
            "booked_at": pa.array(df["ts"].to_numpy().astype("datetime64[s]"), pa.timestamp("s")),
            "amount": money_array(df["cents"].to_numpy()),
            "currency": pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(df), np.int32)),
                                                       pa.array(["CNY"])).cast(pa.string()),
            "txn_type": pc.take(vocab, pa.array(df["ttype"].to_numpy())),
            "channel": pc.take(vocab, pa.array(df["channel"].to_numpy())),
            "counterparty": pc.take(vocab, pa.array(df["cpty"].to_numpy())),
            "balance_after": money_array(df["balance"].to_numpy()),
        }
    )
    tagged = df[df["tag"] > 0]
    by_tag = tagged.groupby("tag").agg(ids=("txn_no", lambda s: " ".join(f"T{x:012d}" for x in sorted(s))),
                                       lo=("ts", "min"), hi=("ts", "max"))
    an_rows = []
    for i, (typ, c, acc, tg) in enumerate(sorted(anomalies, key=lambda x: x[3])):
        r = by_tag.loc[tg]
        an_rows.append((f"AN{i + 1:05d}", cust_ids[c], acc_ids[acc], typ,
                        pd.Timestamp(int(r["lo"]), unit="s"), pd.Timestamp(int(r["hi"]), unit="s"), r["ids"]))
    anomalies_df = pd.DataFrame(an_rows, columns=["anomaly_id", "customer_id", "account_id", "typology",
                                                  "window_start", "window_end", "txn_ids"])
    look_df = pd.DataFrame([(cust_ids[c], acc_ids[acc], p) for c, acc, p in look],
                           columns=["customer_id", "account_id", "pattern"])
    branch = np.char.add("BR-", pop.city_center[acc_cust].astype(str))
    accounts = pd.DataFrame(
        {
            "account_id": acc_ids,
            "customer_id": cust_ids[acc_cust],
            "account_type": acc_type,
            "currency": "CNY",
            "branch_id": branch,
            "opened_at": date_column(opened.astype("datetime64[s]")),
            "closed_at": date_column(np.where(closed >= 0, closed, np.iinfo(np.int64).min).astype("datetime64[s]")),
        }
    )
    return Banking(accounts, table, anomalies_df, look_df, has_card)
