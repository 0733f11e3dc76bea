"""``ccdw score``, ``ccdw evaluate``, ``ccdw tune`` and ``ccdw alerts feedback``.

Room code is imported inside the commands so ``ccdw --help`` stays fast.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


class Disposition(StrEnum):
    confirmed = "confirmed"
    false_positive = "false_positive"
    expected = "expected"
    follow_up = "follow_up"


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def score_command() -> None:
    """Score customer value and fund-movement anomalies into ml.* (and enqueue new alerts)."""
    from models_ml.score import score

    summary = score()
    typer.echo(json.dumps(summary, indent=2, default=str, ensure_ascii=False))


def evaluate_command(
    truth_dir: Annotated[Path, typer.Argument(help="The generator's truth/ directory (or its parent).")],
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when a quality bar is missed.")] = False,
) -> None:
    """Compare ml.* with the generator's ground truth (precision@K, recall, look-alikes, F1)."""
    from ccdw.errors import CcdwError
    from models_ml.evaluate import evaluate

    rows = evaluate(truth_dir)
    table = Table(title="ccdw evaluate")
    for column in ("metric", "scope", "value", "target", "passed", "detail"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(row[c]) for c in ("metric", "scope", "value", "target", "passed", "detail")))
    Console().print(table)
    missed = [f"{r['metric']}[{r['scope']}]" for r in rows if r["passed"] is False]
    if strict and missed:
        raise CcdwError(f"quality bars missed: {', '.join(missed)}")


def tune_command(
    target_precision: Annotated[float, typer.Option(help="Precision the proposals aim for.")] = 0.8,
    min_feedback: Annotated[int, typer.Option(help="Decided feedback needed before proposing a change.")] = 5,
) -> None:
    """Per-typology precision from RM feedback and proposed threshold changes."""
    from models_ml.feedback import tune

    rows = tune(target_precision=target_precision, min_feedback=min_feedback)
    table = Table(title="ccdw tune (edit models_ml/config/anomalies.yaml to apply)")
    columns = ("typology", "alerts", "feedback", "confirmed", "false_positive", "expected", "follow_up",
               "precision", "score_cut_for_target", "proposal")
    for column in columns:
        table.add_column(column.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(row[c]) for c in columns))
    Console().print(table)


def feedback_command(
    anomaly_id: Annotated[str, typer.Option("--anomaly-id", help="The alert's anomaly_id.")],
    disposition: Annotated[Disposition, typer.Option("--disposition", help="What the RM found.")],
    note: Annotated[str | None, typer.Option("--note", help="Free text.")] = None,
    rm_id: Annotated[str | None, typer.Option("--rm-id", help="Who gives it (default: the alert's RM).")] = None,
) -> None:
    """Record an RM's disposition of an anomaly alert (expected/false_positive suppress repeats)."""
    from models_ml.feedback import record_feedback

    record = record_feedback(anomaly_id, disposition.value, note=note, rm_id=rm_id)
    typer.echo(f"recorded {record.disposition} on {record.anomaly_id} by {record.rm_id or '-'} at {record.given_at}")


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("score")(score_command)
    app.command("evaluate")(evaluate_command)
    app.command("tune")(tune_command)
    groups["alerts"].command("feedback")(feedback_command)
