"""RM feedback on anomaly alerts (``ops.alert_feedback``) and threshold tuning from it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ccdw.db import connect
from ccdw.errors import CcdwError
from ccdw.ops import ensure_ops_schema
from ccdw.settings import Settings, get_settings
from models_ml.config import AnomalyConfig, load_anomaly_config
from models_ml.rules import TYPOLOGIES
from models_ml.schema import ensure_ml_schema

log = logging.getLogger(__name__)

DISPOSITIONS: tuple[str, ...] = ("confirmed", "false_positive", "expected", "follow_up")

# The one parameter per typology that `ccdw tune` proposes to move, and which way is stricter.
TUNED_PARAMETER: dict[str, tuple[str, str]] = {
    "large_outflow": ("min_ratio_to_median", "up"),
    "purchase_burst": ("min_total", "up"),
    "dormant_reactivation": ("min_amount", "up"),
    "structuring": ("min_count", "up"),
    "pass_through": ("min_amount", "up"),
}


@dataclass(frozen=True)
class FeedbackRecord:
    anomaly_id: str
    rm_id: str | None
    disposition: str
    note: str | None
    given_at: datetime


def record_feedback(
    anomaly_id: str,
    disposition: str,
    note: str | None = None,
    rm_id: str | None = None,
    settings: Settings | None = None,
) -> FeedbackRecord:
    """Store an RM's disposition of an alert; ``rm_id`` defaults to the alert's RM."""
    settings = settings or get_settings()
    if disposition not in DISPOSITIONS:
        raise CcdwError(f"disposition must be one of {', '.join(DISPOSITIONS)}, not {disposition!r}")
    with connect(settings) as con:
        ensure_ops_schema(con)
        ensure_ml_schema(con)
        row = con.execute("select rm_id from ml.fund_anomalies where anomaly_id = ?", [anomaly_id]).fetchone()
        if row is None:
            raise CcdwError(f"no anomaly {anomaly_id} in ml.fund_anomalies")
        given_at = datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)
        record = FeedbackRecord(anomaly_id, rm_id or row[0], disposition, note, given_at)
        con.execute(
            "insert into ops.alert_feedback (anomaly_id, rm_id, disposition, note, given_at) values (?, ?, ?, ?, ?)",
            [record.anomaly_id, record.rm_id, record.disposition, record.note, record.given_at],
        )
    log.info("feedback %s on %s by %s", disposition, anomaly_id, record.rm_id)
    return record


FEEDBACK_BY_TYPOLOGY_SQL = """
select a.typology, a.anomaly_id, a.score, f.disposition
from ml.fund_anomalies a
left join (select anomaly_id, arg_max(disposition, given_at) as disposition
           from ops.alert_feedback group by anomaly_id) f using (anomaly_id)
order by a.typology, a.score desc, a.anomaly_id
"""


def _precision(labels: list[str]) -> float | None:
    decided = [d for d in labels if d in ("confirmed", "false_positive", "expected")]
    if not decided:
        return None
    return sum(1 for d in decided if d == "confirmed") / len(decided)


def _score_cut(scored: list[tuple[float, str]], target: float) -> float | None:
    """Lowest score cut at which the decided alerts above it reach ``target`` precision."""
    decided = sorted(((s, d) for s, d in scored if d in ("confirmed", "false_positive", "expected")), reverse=True)
    best = None
    confirmed = 0
    for i, (score, disposition) in enumerate(decided, start=1):
        confirmed += disposition == "confirmed"
        if confirmed / i >= target:
            best = score
    return best


def _step(current: float, factor: float) -> float:
    """Scale a threshold; integer thresholds (counts) move by at least one."""
    if isinstance(current, int):
        moved = round(current * factor)
        if moved == current:
            moved = current + (1 if factor > 1 else -1)
        return max(moved, 1)
    return round(current * factor, 4)


def tune_report(
    con: duckdb.DuckDBPyConnection,
    cfg: AnomalyConfig,
    target_precision: float = 0.8,
    min_feedback: int = 5,
    step: float = 0.2,
) -> list[dict[str, object]]:
    """Per typology: alerts, feedback, precision and a proposed threshold change."""
    rows = con.execute(FEEDBACK_BY_TYPOLOGY_SQL).fetchall()
    report = []
    for typology in TYPOLOGIES:
        mine = [(float(score), disposition) for t, _, score, disposition in rows if t == typology]
        labels = [d for _, d in mine if d]
        precision = _precision(labels)
        param, _ = TUNED_PARAMETER[typology]
        current = getattr(getattr(cfg.rules, typology), param)
        decided = sum(1 for d in labels if d != "follow_up")
        proposal = "keep (not enough feedback)"
        proposed_value: float = current
        if decided >= min_feedback and precision is not None:
            if precision < target_precision:
                proposed_value = _step(current, 1 + step)
                proposal = f"raise {param} {current:g} -> {proposed_value:g} (precision below {target_precision:g})"
            elif precision >= 0.95:
                proposed_value = _step(current, 1 - step / 2)
                proposal = f"lower {param} {current:g} -> {proposed_value:g} (room to catch more)"
            else:
                proposal = "keep"
        cut = _score_cut(mine, target_precision)
        report.append(
            {
                "typology": typology,
                "alerts": len(mine),
                "feedback": len(labels),
                "confirmed": labels.count("confirmed"),
                "false_positive": labels.count("false_positive"),
                "expected": labels.count("expected"),
                "follow_up": labels.count("follow_up"),
                "precision": None if precision is None else round(precision, 3),
                "parameter": param,
                "current": current,
                "proposed": proposed_value,
                "proposal": proposal,
                "score_cut_for_target": cut,
            }
        )
    return report


def tune(
    settings: Settings | None = None,
    target_precision: float = 0.8,
    min_feedback: int = 5,
    config_dir: Path | None = None,
) -> list[dict[str, object]]:
    settings = settings or get_settings()
    cfg = load_anomaly_config(config_dir)
    if not settings.warehouse_path.exists():
        raise CcdwError(f"no warehouse at {settings.warehouse_path}: run `ccdw score` first")
    with connect(settings) as con:
        ensure_ops_schema(con)
        ensure_ml_schema(con)
        return tune_report(con, cfg, target_precision, min_feedback)
