"""CRM feeds, banking, insurance and the truth files: contract columns, variants, invariants."""

from __future__ import annotations

import gzip
import io
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ccdw.generate.people import id_check_digit
from ingest.feeds import FEEDS

from .helpers import master_cdrs


def read_crm(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def crm(landing: Path, feed: str) -> pd.DataFrame:
    files = sorted((landing / feed).iterdir())
    return pd.concat([read_crm(p).assign(_file=p.name) for p in files], ignore_index=True)


def test_every_feed_has_files_with_contract_columns(tiny_data: Path) -> None:
    for name, feed in FEEDS.items():
        files = [p for p in (tiny_data / name).iterdir() if p.is_file()]
        assert files, name
        if feed.kind != "crm":
            continue
        for path in files:
            cols = list(read_crm(path).columns)
            assert set(feed.column_names) <= set(cols), (path, set(feed.column_names) - set(cols))
    ingest_extensions = {ext for f in FEEDS.values() for ext in f.extensions}
    for path in tiny_data.rglob("*"):
        if path.is_file() and path.parent.name != "truth":
            assert any(path.name.endswith(ext) for ext in ingest_extensions), path


def test_export_variants(tiny_data: Path) -> None:
    initial = (tiny_data / "customers" / "customers-initial.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        initial.decode("utf-8")
    assert "客户" not in initial.decode("gb18030") and "省" in initial.decode("gb18030")
    assert (tiny_data / "agents" / "agents.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (tiny_data / "queues" / "queues.csv").read_bytes()
    assert b"\r\n" in (tiny_data / "tickets" / "tickets-2.csv").read_bytes()
    gzip.decompress((tiny_data / "policies" / "policies.csv.gz").read_bytes())
    accounts = read_crm(tiny_data / "accounts" / "accounts.csv")
    assert list(accounts.columns) != list(FEEDS["accounts"].column_names)
    update = read_crm(tiny_data / "customers" / "customers-update.csv")
    assert set(update.columns) - set(FEEDS["customers"].column_names) == {"crm_batch"}


def test_customers_ids_phones_and_history(tiny_data: Path) -> None:
    cust = crm(tiny_data, "customers")
    initial = cust[cust["_file"] == "customers-initial.csv"]
    assert initial["customer_id"].is_unique and len(initial) == 200
    for idn in initial["id_number"]:
        assert len(idn) == 18 and id_check_digit(idn[:17]) == idn[17]
    phones = initial["phone"]
    assert phones.str.fullmatch(r"1\d{10}").any()
    assert phones.str.startswith("+86").any()
    assert phones.str.fullmatch(r"0\d{2,3}-\d{7,8}").any()
    assert initial["name"].str.contains(r"[\u4e00-\u9fff]").all()
    assert initial["do_not_call"].isin(["0", "1"]).all() and (initial["do_not_call"] == "1").any()
    update = cust[cust["_file"] == "customers-update.csv"]
    merged = update.merge(initial, on="customer_id", suffixes=("_new", "_old"))
    assert len(merged) == len(update) > 0
    assert (merged["updated_at_new"] > merged["updated_at_old"]).all()
    changed = (merged["phone_new"] != merged["phone_old"]) | (merged["rm_id_new"] != merged["rm_id_old"])
    assert changed.mean() > 0.9
    dnc = crm(tiny_data, "dnc")
    flagged = set(initial.loc[initial["do_not_call"] == "1", "phone"])
    assert flagged <= set(dnc["phone"])


def test_centers_hierarchy(tiny_data: Path) -> None:
    centers = crm(tiny_data, "centers")
    parent = dict(zip(centers["center_id"], centers["parent_center_id"], strict=True))
    level = dict(zip(centers["center_id"], centers["level"], strict=True))
    for cid, lvl in level.items():
        if lvl == "province":
            assert parent[cid] == ""
        else:
            assert level[parent[cid]] == {"city": "province", "county": "city"}[lvl]
    queues = crm(tiny_data, "queues")
    agents = crm(tiny_data, "agents")
    assert set(queues["center_id"]) <= set(level) and set(agents["center_id"]) <= set(level)


def test_balances_chain_per_account(tiny_data: Path) -> None:
    tx = crm(tiny_data, "transactions")
    assert tx["txn_id"].is_unique
    tx["amount_c"] = (tx["amount"].astype(float) * 100).round().astype(np.int64)
    tx["bal_c"] = (tx["balance_after"].astype(float) * 100).round().astype(np.int64)
    tx = tx.sort_values(["account_id", "booked_at", "txn_id"])
    prev = tx.groupby("account_id")["bal_c"].shift()
    ok = prev.isna() | (prev + tx["amount_c"] == tx["bal_c"])
    assert ok.all()
    accounts = crm(tiny_data, "accounts")
    assert set(tx["account_id"]) <= set(accounts["account_id"])
    nonneg = tx["account_id"].map(dict(zip(accounts["account_id"], accounts["account_type"], strict=True))) != "card"
    assert (tx.loc[nonneg, "bal_c"] >= 0).all()
    assert set(tx["txn_type"]) <= {"deposit", "withdrawal", "transfer_in", "transfer_out", "purchase",
                                   "fee", "interest", "redemption", "subscription"}


def test_premiums_schedule_has_unpaid_instalments(tiny_data: Path) -> None:
    pol = crm(tiny_data, "policies")
    prem = crm(tiny_data, "premiums")
    assert set(prem["policy_id"]) <= set(pol["policy_id"])
    assert not prem.duplicated(["policy_id", "due_date"]).any()
    unpaid = prem["paid_at"] == ""
    past = prem["due_date"] <= "2026-11-29"
    assert (unpaid & past).any() and (unpaid & ~past).any()
    assert (prem.loc[~unpaid, "amount_paid"] != "").all()
    assert set(pol["status"]) >= {"active", "matured"}


def test_tickets_lifecycle(tiny_data: Path) -> None:
    tickets = crm(tiny_data, "tickets")
    events = crm(tiny_data, "ticket_events")
    first = tickets[tickets["_file"] == "tickets-1.csv"].set_index("ticket_id")
    last = tickets[tickets["_file"] == "tickets-2.csv"].set_index("ticket_id")
    assert set(first.index) <= set(last.index)
    common = first.index.intersection(last.index)
    assert (last.loc[common, "updated_at"] >= first.loc[common, "updated_at"]).all()
    assert (last.loc[common, "status"] != first.loc[common, "status"]).any()
    assert set(events["event"]) >= {"created", "assigned", "resolved", "closed"}
    assert set(events["ticket_id"]) == set(last.index)
    phone = last[last["channel"] == "phone"]
    cdr_uids = set(master_cdrs(tiny_data)["uniqueid"])
    assert set(phone["call_uniqueid"]) <= cdr_uids
    callbacks = crm(tiny_data, "web_callbacks")
    assert len(callbacks) > 0 and (callbacks["preferred_to"] > callbacks["preferred_from"]).all()


def test_customer_value_is_heavy_tailed(tiny_data: Path) -> None:
    value = pd.read_csv(tiny_data / "truth" / "customer_value.csv")
    v = np.sort(value["true_value_12m"].to_numpy())[::-1]
    top = math.ceil(0.2 * len(v))
    share = v[:top].sum() / v.sum()
    assert 0.65 <= share <= 0.92, share
    assert value["is_high_value"].sum() == top
    assert value.loc[value["is_high_value"] == 1, "true_value_12m"].min() >= \
        value.loc[value["is_high_value"] == 0, "true_value_12m"].max()


def test_anomalies_are_observable(tiny_data: Path) -> None:
    an = pd.read_csv(tiny_data / "truth" / "anomalies.csv", dtype=str)
    look = pd.read_csv(tiny_data / "truth" / "lookalikes.csv", dtype=str)
    assert set(an["typology"]) == {"large_outflow", "purchase_burst", "dormant_reactivation",
                                   "structuring", "pass_through"}
    assert not set(an["customer_id"]) & set(look["customer_id"])
    tx = crm(tiny_data, "transactions").set_index("txn_id")
    tx["amt"] = tx["amount"].astype(float)
    for row in an.itertuples():
        ids = row.txn_ids.split()
        t = tx.loc[ids]
        assert (t["account_id"] == row.account_id).all()
        assert t["booked_at"].min() == row.window_start and t["booked_at"].max() == row.window_end
        span_h = (pd.Timestamp(row.window_end) - pd.Timestamp(row.window_start)).total_seconds() / 3600
        if row.typology == "structuring":
            assert len(t) >= 3 and t["amt"].between(45_000, 49_999.99).all()
            assert (t["txn_type"] == "deposit").all() and span_h <= 96
        elif row.typology == "pass_through":
            inflow = t.loc[t["amt"] > 0, "amt"].sum()
            outflow = -t.loc[t["amt"] < 0, "amt"].sum()
            assert inflow >= 100_000 and 0.9 <= outflow / inflow < 1.0 and span_h <= 48
        elif row.typology == "large_outflow":
            assert len(t) == 1 and t["amt"].iloc[0] <= -50_000
        elif row.typology == "purchase_burst":
            assert len(t) >= 6 and (t["txn_type"] == "purchase").all() and span_h <= 8
        elif row.typology == "dormant_reactivation":
            acct = tx[tx["account_id"] == row.account_id]
            before = acct[(acct["booked_at"] < row.window_start)
                          & (acct["booked_at"] >= str(pd.Timestamp(row.window_start) - pd.Timedelta(days=180)))]
            assert set(before["txn_type"]) <= {"interest"}
    # Look-alikes: a single 48k deposit is one deposit, not several.
    for row in look[look["pattern"] == "single_48k_deposit"].itertuples():
        acct = tx[(tx["account_id"] == row.account_id) & (tx["txn_type"] == "deposit")]
        assert (acct["amt"] >= 45_000).sum() == 1


def test_manifest(tiny_data: Path) -> None:
    import json

    manifest = json.loads((tiny_data / "truth" / "manifest.json").read_text())
    assert manifest["scale"] == "tiny" and manifest["seed"] == 7
    assert manifest["end_date"] == "2026-11-29" and manifest["start_date"] == "2026-11-27"
    assert set(manifest["rows"]) == set(FEEDS)
    assert manifest["rows"]["transactions"] == len(crm(tiny_data, "transactions"))


def test_same_seed_same_bytes(tiny_data: Path, tmp_path: Path) -> None:
    from ccdw.generate import generate

    again = tmp_path / "again"
    generate(again, scale="tiny", seed=7, end_date=date(2026, 11, 29))
    a = {p.relative_to(tiny_data): p.read_bytes() for p in tiny_data.rglob("*") if p.is_file()}
    b = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    other = tmp_path / "other"
    generate(other, scale="tiny", seed=8, end_date=date(2026, 11, 29))
    assert (other / "cdr" / "Master-20261129.csv").read_bytes() != a[Path("cdr/Master-20261129.csv")]
