"""``ccdw evaluate TRUTH_DIR``: the scores in ``ml.*`` against the generator's ground truth.

Matching: an alert detects a planted anomaly when it is on the same account and shares a
transaction with it or overlaps its window. Per-typology recall also needs the alert's
typology to be the planted one; overall recall and precision@K do not (a planted episode
named by a neighbouring typology was still found for the RM).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ccdw.db import connect
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from models_ml.metrics import f1
from models_ml.rules import TYPOLOGIES

TARGETS = {
    "precision_at_k": 0.85,
    "recall": 0.80,
    "recall_typology": 0.70,
    "lookalikes_flagged_share": 0.10,
    "high_value_f1": 0.90,
}


@dataclass(frozen=True)
class Episode:
    key: str
    customer_id: str | None
    account_id: str
    typology: str
    window_start: datetime
    window_end: datetime
    txn_ids: frozenset[str]
    score: float = 0.0

    def detects(self, planted: Episode) -> bool:
        if self.account_id != planted.account_id:
            return False
        if self.txn_ids & planted.txn_ids:
            return True
        return self.window_start <= planted.window_end and planted.window_start <= self.window_end


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise CcdwError(f"truth file {path} is missing")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _timestamp(value: str, path: Path) -> datetime:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise CcdwError(f"{path}: cannot read timestamp {value!r}") from exc


def load_planted(truth_dir: Path) -> list[Episode]:
    path = truth_dir / "anomalies.csv"
    return [
        Episode(
            row["anomaly_id"],
            row.get("customer_id") or None,
            row["account_id"],
            row["typology"],
            _timestamp(row["window_start"], path),
            _timestamp(row["window_end"], path),
            frozenset((row.get("txn_ids") or "").split()),
        )
        for row in _read_csv(path)
    ]


def _row(metric: str, scope: str, value: float | None, target: float | None, higher_is_better: bool = True,
         detail: str = "") -> dict[str, object]:
    if value is None or target is None:
        passed = None
    else:
        passed = value >= target if higher_is_better else value <= target
    return {
        "metric": metric,
        "scope": scope,
        "value": None if value is None else round(value, 4),
        "target": target,
        "passed": passed,
        "detail": detail,
    }


def anomaly_rows(alerts: list[Episode], planted: list[Episode], lookalikes: list[dict[str, str]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    k = len(planted)
    ranked = sorted(alerts, key=lambda a: (-a.score, a.key))
    top = ranked[:k]
    hits = sum(1 for a in top if any(a.detects(p) for p in planted))
    rows.append(_row("precision_at_k", "all", hits / k if k else None, TARGETS["precision_at_k"],
                     detail=f"{hits} of top {k} alerts are planted episodes ({len(alerts)} alerts in all)"))
    found = [p for p in planted if any(a.detects(p) for a in alerts)]
    rows.append(_row("recall", "all", len(found) / k if k else None, TARGETS["recall"],
                     detail=f"{len(found)} of {k} planted episodes detected"))
    for typology in TYPOLOGIES:
        of_type = [p for p in planted if p.typology == typology]
        if not of_type:
            rows.append(_row("recall", typology, None, TARGETS["recall_typology"], detail="none planted"))
            continue
        named = [p for p in of_type if any(a.typology == typology and a.detects(p) for a in alerts)]
        rows.append(_row("recall", typology, len(named) / len(of_type), TARGETS["recall_typology"],
                         detail=f"{len(named)} of {len(of_type)} detected as {typology}"))
    planted_customers = {p.customer_id for p in planted}
    look_customers = {r["customer_id"] for r in lookalikes if r["customer_id"] not in planted_customers}
    flagged_customers = {a.customer_id for a in alerts}
    flagged = look_customers & flagged_customers
    rows.append(_row(
        "lookalikes_flagged_share", "all",
        len(flagged) / len(look_customers) if look_customers else None,
        TARGETS["lookalikes_flagged_share"], higher_is_better=False,
        detail=f"{len(flagged)} of {len(look_customers)} look-alike customers flagged",
    ))
    for pattern in sorted({r.get("pattern", "") for r in lookalikes}):
        ids = {r["customer_id"] for r in lookalikes if r.get("pattern", "") == pattern} - planted_customers
        if ids:
            rows.append(_row("lookalikes_flagged_share", pattern or "(no pattern)",
                             len(ids & flagged_customers) / len(ids), None, higher_is_better=False,
                             detail=f"{len(ids & flagged_customers)} of {len(ids)}"))
    return rows


def value_rows(predicted_high: set[str], truth: list[dict[str, str]]) -> list[dict[str, object]]:
    actual_high = {r["customer_id"] for r in truth if r["is_high_value"].strip().lower() in ("1", "true", "t", "yes")}
    precision, recall, score = f1(predicted_high, actual_high)
    return [
        _row("high_value_f1", "all", score, TARGETS["high_value_f1"],
             detail=f"precision {precision:.3f}, recall {recall:.3f}; {len(predicted_high)} predicted, "
                    f"{len(actual_high)} true"),
    ]


def evaluate(truth_dir: Path | str, settings: Settings | None = None) -> list[dict[str, object]]:
    """Rows of ``metric, scope, value, target, passed, detail`` (``passed`` None: no target)."""
    settings = settings or get_settings()
    truth = Path(truth_dir)
    if (truth / "truth").is_dir() and not (truth / "anomalies.csv").exists():
        truth = truth / "truth"  # accept the generator's output directory too
    if not truth.is_dir():
        raise CcdwError(f"truth directory {truth} does not exist")
    planted = load_planted(truth)
    lookalikes = _read_csv(truth / "lookalikes.csv")
    value_truth = _read_csv(truth / "customer_value.csv")
    if not settings.warehouse_path.exists():
        raise CcdwError(f"no warehouse at {settings.warehouse_path}: run `ccdw score` first")
    with connect(settings, read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'ml'").fetchall()}
        if not {"fund_anomalies", "customer_value"} <= tables:
            raise CcdwError("the warehouse has no ml tables: run `ccdw score` first")
        alert_rows = con.execute(
            "select anomaly_id, customer_id, account_id, typology, window_start, window_end, txn_ids, score "
            "from ml.fund_anomalies order by anomaly_id"
        ).fetchall()
        predicted_high = {r[0] for r in con.execute(
            "select customer_id from ml.customer_value where is_high_value").fetchall()}
    alerts = [Episode(r[0], r[1], r[2], r[3], r[4], r[5], frozenset(r[6]), float(r[7])) for r in alert_rows]
    rows = anomaly_rows(alerts, planted, lookalikes) + value_rows(predicted_high, value_truth)
    for row in rows:
        value = row["value"]
        if isinstance(value, float) and math.isnan(value):
            row["value"] = None
    return rows
