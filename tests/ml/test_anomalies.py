"""Typology rules on hand-made marts: each planted case fires with a readable reason, each
look-alike stays quiet; alerts are stable episodes; feedback suppresses repeats."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from ccdw.errors import CcdwError
from ccdw.settings import Settings
from models_ml.feedback import record_feedback, tune
from models_ml.score import score
from tests.ml.conftest import private_copy
from tests.ml.mlmarts import AS_OF, PLANTS, MartBuilder, scenario


def _alerts(settings: Settings) -> list[dict[str, object]]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        frame = con.execute("select * from ml.fund_anomalies order by anomaly_id").df()
    finally:
        con.close()
    return frame.to_dict("records")


def _outbox_count(settings: Settings) -> int:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute("select count(*) from ops.outbox where kind = 'alert'").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("typology", list(PLANTS))
def test_planted_case_fires_with_reason(scenario_scored: Settings, scenario_marts, typology: str) -> None:
    _, planted, _ = scenario_marts
    hits = [a for a in _alerts(scenario_scored) if a["account_id"] == planted[typology]]
    assert len(hits) == 1, hits
    alert = hits[0]
    assert alert["typology"] == typology
    assert 0.5 <= alert["score"] <= 1.0
    assert "CNY" in alert["reasons"]
    assert alert["rm_id"] == "RM01"
    assert len(alert["txn_ids"]) >= 1


@pytest.mark.parametrize("typology", list(PLANTS))
def test_lookalike_does_not_fire(scenario_scored: Settings, scenario_marts, typology: str) -> None:
    _, _, lookalikes = scenario_marts
    assert not [a for a in _alerts(scenario_scored) if a["account_id"] == lookalikes[typology]]


def test_background_customers_do_not_fire(scenario_scored: Settings) -> None:
    assert not [a for a in _alerts(scenario_scored) if str(a["account_id"]).startswith("BG")]


def test_reasons_quote_the_numbers(scenario_scored: Settings, scenario_marts) -> None:
    _, planted, _ = scenario_marts
    by_account = {a["account_id"]: a["reasons"] for a in _alerts(scenario_scored)}
    assert "withdrew 480,000 CNY" in by_account[planted["large_outflow"]]
    assert "median outflow" in by_account[planted["large_outflow"]]
    assert "4 cash deposits" in by_account[planted["structuring"]]
    assert "50,000 CNY reporting threshold" in by_account[planted["structuring"]]
    assert "received 380,000 CNY" in by_account[planted["pass_through"]]
    assert "silent for" in by_account[planted["dormant_reactivation"]]
    assert "4 purchases/subscriptions" in by_account[planted["purchase_burst"]]


def test_alerts_and_outbox_written_together(scenario_scored: Settings) -> None:
    alerts = _alerts(scenario_scored)
    assert _outbox_count(scenario_scored) == len(alerts) == len(PLANTS)


def test_rescoring_keeps_ids_and_adds_nothing(scenario_scored: Settings, tmp_path: Path) -> None:
    settings = private_copy(scenario_scored, tmp_path / "home")
    before = _alerts(settings)
    summary = score(settings)
    after = _alerts(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    runs = con.execute("select count(distinct scored_at), count(*) from ml.customer_value_history").fetchone()
    customers = con.execute("select count(*) from ml.customer_value").fetchone()[0]
    con.close()
    assert runs == (2, 2 * customers)  # each run's scores kept for segment movement
    assert summary["alerts_new"] == 0
    assert [a["anomaly_id"] for a in after] == [a["anomaly_id"] for a in before]
    assert _outbox_count(settings) == len(before)


def _add_structuring_deposits(settings: Settings, days_before: list[float], first_id: int) -> None:
    """More cash deposits just under 50,000 on the structuring account (as a new mart load would)."""
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        for k, days in enumerate(days_before):
            when = (AS_OF - timedelta(days=days)).replace(hour=11, minute=30)
            con.execute(
                """insert into marts.fct_transactions values
                   (?, 'STA', 'STC', ?, ?, 49500, 49500, 'in', 'deposit', 'branch', null, 100000, 'CNY')""",
                [f"X{first_id + k:06d}", when, when.date()],
            )
    finally:
        con.close()


def test_growing_episode_is_the_same_alert(scenario_scored: Settings, tmp_path: Path) -> None:
    settings = private_copy(scenario_scored, tmp_path / "home")
    structuring = [a for a in _alerts(settings) if a["typology"] == "structuring"][0]
    _add_structuring_deposits(settings, [1.5], first_id=1)
    summary = score(settings)
    assert summary["alerts_new"] == 0
    again = [a for a in _alerts(settings) if a["typology"] == "structuring"]
    assert [a["anomaly_id"] for a in again] == [structuring["anomaly_id"]]
    assert "X000001" in again[0]["txn_ids"]
    assert len(again[0]["txn_ids"]) == len(structuring["txn_ids"]) + 1


def test_new_episode_after_expected_feedback_is_suppressed(scenario_marts, tmp_path: Path) -> None:
    """Same data twice: with `expected` feedback the second episode is suppressed, without it
    (the control) it becomes a new alert."""
    base, _, _ = scenario_marts
    outcomes = {}
    for label, disposition in (("control", "confirmed"), ("suppressed", "expected")):
        settings = private_copy(base, tmp_path / label)
        score(settings)
        first = [a for a in _alerts(settings) if a["typology"] == "structuring"][0]
        record_feedback(first["anomaly_id"], disposition, note="known cash business", settings=settings)
        # A fresh run of deposits two weeks after the first episode: a separate episode.
        _add_structuring_deposits(settings, [-10, -11, -11.5], first_id=100)
        summary = score(settings)
        outcomes[label] = (summary, [a for a in _alerts(settings) if a["typology"] == "structuring"])
    control_summary, control_alerts = outcomes["control"]
    assert control_summary["alerts_new"] == 1 and len(control_alerts) == 2
    suppressed_summary, suppressed_alerts = outcomes["suppressed"]
    assert suppressed_summary["alerts_new"] == 0
    assert suppressed_summary["alerts_suppressed"] == 1
    assert len(suppressed_alerts) == 1


def test_feedback_rejects_unknown_alert_and_disposition(scenario_scored: Settings, tmp_path: Path) -> None:
    settings = private_copy(scenario_scored, tmp_path / "home")
    with pytest.raises(CcdwError, match="no anomaly"):
        record_feedback("FA-nope", "confirmed", settings=settings)
    alert = _alerts(settings)[0]
    with pytest.raises(CcdwError, match="disposition must be one of"):
        record_feedback(alert["anomaly_id"], "maybe", settings=settings)


def test_tune_reports_precision_and_proposes(scenario_scored: Settings, tmp_path: Path) -> None:
    settings = private_copy(scenario_scored, tmp_path / "home")
    alerts = _alerts(settings)
    structuring = [a for a in alerts if a["typology"] == "structuring"][0]
    outflow = [a for a in alerts if a["typology"] == "large_outflow"][0]
    for _ in range(3):
        record_feedback(structuring["anomaly_id"], "false_positive", settings=settings)
    record_feedback(outflow["anomaly_id"], "confirmed", settings=settings)
    report = {r["typology"]: r for r in tune(settings, min_feedback=1)}
    # The latest disposition per alert counts once.
    assert report["structuring"]["feedback"] == 1
    assert report["structuring"]["precision"] == 0.0
    assert report["structuring"]["proposal"].startswith("raise min_count 3 -> 4")
    assert report["large_outflow"]["precision"] == 1.0
    assert report["large_outflow"]["proposal"].startswith("lower")
    assert report["pass_through"]["precision"] is None


def test_failure_while_enqueueing_leaves_nothing_written(scenario_marts, tmp_path: Path, monkeypatch) -> None:
    import ccdw.delivery.alerts as delivery_alerts

    base, _, _ = scenario_marts
    settings = private_copy(base, tmp_path / "home")

    def broken(con, settings=None, anomaly_ids=None):  # noqa: ANN001 - mirrors the real signature
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(delivery_alerts, "enqueue_alerts", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        score(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        counts = [
            con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("ml.fund_anomalies", "ml.customer_value", "ml.model_runs", "ops.outbox")
        ]
    finally:
        con.close()
    assert counts == [0, 0, 0, 0]


def test_same_data_same_scores(tmp_path: Path) -> None:
    results = []
    for run in ("a", "b"):
        builder, _, _ = scenario(seed=5)
        settings = builder.write(tmp_path / run)
        score(settings)
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            value = con.execute(
                "select customer_id, value_score, value_rank, is_high_value, segment, cluster_segment "
                "from ml.customer_value order by customer_id").fetchall()
            alerts = con.execute(
                "select anomaly_id, typology, score, txn_ids, reasons from ml.fund_anomalies order by anomaly_id"
            ).fetchall()
            fingerprint = con.execute(
                "select data_fingerprint from ml.model_runs order by model").fetchall()
        finally:
            con.close()
        results.append((value, alerts, fingerprint))
    assert results[0] == results[1]
    assert results[0][1], "the scenario must produce alerts for the comparison to mean something"


def test_score_without_marts_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(CcdwError, match="run `ccdw build`"):
        score(Settings(home=tmp_path / "empty"))


def test_small_population_still_scores(tmp_path: Path) -> None:
    """Too few customers to fit BG/NBD: the run-rate fallback still ranks everyone."""
    builder = MartBuilder(seed=3)
    builder.populate_background(n=6)
    settings = builder.write(tmp_path / "small")
    summary = score(settings)
    assert summary["customers_scored"] == 6
    assert summary["high_value_customers"] == math.ceil(0.2 * 6)
