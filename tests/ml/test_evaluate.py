"""The evaluation arithmetic on hand-made alerts and truth."""

from __future__ import annotations

from datetime import datetime

from models_ml.evaluate import Episode, anomaly_rows, value_rows


def ep(key: str, account: str, typology: str, day: int, txns: str, score: float = 0.0, customer: str | None = None) -> Episode:
    start = datetime(2026, 11, day, 9)
    return Episode(key, customer or f"C{account}", account, typology, start, start.replace(hour=18),
                   frozenset(txns.split()), score)


def test_precision_recall_and_lookalikes() -> None:
    planted = [
        ep("AN1", "A1", "structuring", 3, "t1 t2 t3"),
        ep("AN2", "A2", "pass_through", 5, "t4 t5"),
        ep("AN3", "A3", "large_outflow", 7, "t6"),
    ]
    alerts = [
        ep("FA1", "A1", "structuring", 3, "t2 t3", score=0.9),  # hit
        ep("FA2", "A2", "large_outflow", 5, "t5", score=0.8),  # hit, but named differently
        ep("FA3", "A9", "large_outflow", 7, "t99", score=0.95, customer="CL1"),  # a look-alike
        ep("FA4", "A3", "large_outflow", 20, "t77", score=0.4),  # same account, other episode
    ]
    lookalikes = [{"customer_id": "CL1", "account_id": "A9", "pattern": "annual_payment"},
                  {"customer_id": "CL2", "account_id": "A8", "pattern": "annual_payment"}]
    rows = {(r["metric"], r["scope"]): r for r in anomaly_rows(alerts, planted, lookalikes)}
    # top 3 by score: FA3 (miss), FA1 (hit), FA2 (hit)
    assert rows[("precision_at_k", "all")]["value"] == round(2 / 3, 4)
    assert rows[("recall", "all")]["value"] == round(2 / 3, 4)
    assert rows[("recall", "structuring")]["value"] == 1.0
    assert rows[("recall", "pass_through")]["value"] == 0.0  # found, but as large_outflow
    assert rows[("recall", "large_outflow")]["value"] == 0.0  # FA4 is a different episode
    assert rows[("recall", "dormant_reactivation")]["value"] is None
    assert rows[("lookalikes_flagged_share", "all")]["value"] == 0.5
    assert rows[("lookalikes_flagged_share", "all")]["passed"] is False


def test_high_value_f1() -> None:
    truth = [{"customer_id": c, "is_high_value": flag} for c, flag in (("a", "1"), ("b", "1"), ("c", "0"), ("d", "0"))]
    (row,) = value_rows({"a", "c"}, truth)
    assert row["value"] == 0.5
    assert row["passed"] is False
