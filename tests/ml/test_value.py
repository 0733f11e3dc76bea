"""Customer value on hand-made marts: ranks, the high-value flag, segments and the model run."""

from __future__ import annotations

import json
import math

import duckdb
import pandas as pd
import pytest

from ccdw.settings import Settings
from models_ml.metrics import pareto_curve, share_captured_by_top, top_k_mask
from models_ml.value import RFM_SEGMENTS


@pytest.fixture(scope="module")
def value_and_runs(scenario_scored: Settings) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    con = duckdb.connect(str(scenario_scored.warehouse_path), read_only=True)
    try:
        value = con.execute("select * from ml.customer_value order by value_rank").df()
        runs = con.execute("select * from ml.model_runs order by model").df()
        customers = con.execute("select count(*) from marts.mart_customer_360").fetchone()[0]
    finally:
        con.close()
    return value, runs, customers


def test_every_customer_ranked_once(value_and_runs) -> None:
    value, _, customers = value_and_runs
    assert len(value) == customers
    assert sorted(value["value_rank"]) == list(range(1, customers + 1))
    assert value["value_score"].is_monotonic_decreasing


def test_high_value_is_top_fifth_rounded_up(value_and_runs) -> None:
    value, _, customers = value_and_runs
    cutoff = math.ceil(0.2 * customers)
    assert int(value["is_high_value"].sum()) == cutoff
    assert value.loc[value["is_high_value"], "value_rank"].max() == cutoff


def test_the_richest_customers_are_high_value(value_and_runs) -> None:
    """The business owner (3M CNY) and the 900k saver are in the top 20%; a background saver is not first."""
    value, _, _ = value_and_runs
    flags = dict(zip(value["customer_id"], value["is_high_value"], strict=True))
    assert flags["LOLC"] and flags["LOC"]
    assert value.iloc[0]["customer_id"] == "LOLC"


def test_segments_are_named(value_and_runs) -> None:
    value, _, _ = value_and_runs
    assert set(value["segment"]) <= set(RFM_SEGMENTS)
    assert value["cluster_segment"].notna().all()
    assert value["model_version"].str.startswith("value-").all()


def test_model_runs_record_what_was_done(value_and_runs) -> None:
    _, runs, _ = value_and_runs
    assert list(runs["model"]) == ["customer_value", "fund_anomalies"]
    value_run = runs[runs["model"] == "customer_value"].iloc[0]
    params = json.loads(value_run["params"])
    metrics = json.loads(value_run["metrics"])
    assert {"bgnbd", "gamma_gamma", "config", "kmeans"} <= set(params)
    assert set(metrics["pareto"]) == {"0.01", "0.05", "0.1", "0.2", "0.3", "0.5", "0.8", "1"}
    assert metrics["pareto"]["1"] == 1.0
    assert metrics["pareto"]["0.2"] >= 0.2
    assert metrics["data_fingerprint"] == value_run["data_fingerprint"]
    assert " .. " in value_run["training_window"]


def test_pareto_and_top_share() -> None:
    values = [80.0, 10.0, 5.0, 3.0, 2.0]
    assert pareto_curve(values, points=(0.2, 0.4, 1.0)) == {"0.2": 0.8, "0.4": 0.9, "1": 1.0}
    assert share_captured_by_top([5, 4, 3, 2, 1], [0, 10, 0, 0, 90], 0.4) == pytest.approx(0.1)
    assert top_k_mask([1.0, 3.0, 3.0], 0.5).tolist() == [False, True, True]
