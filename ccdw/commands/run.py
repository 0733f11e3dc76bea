"""``ccdw run``: the whole pipeline once, through Dagster (see pipelines/run.py)."""

from __future__ import annotations

import json
from datetime import date

import typer

from ccdw.errors import CcdwError


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command("run")
    def run_command(
        report_date: str | None = typer.Option(
            None, "--report-date", help="Report day (YYYY-MM-DD); default yesterday / last week."
        ),
        no_send: bool = typer.Option(
            False, "--no-send", help="Archive the reports without sending them."
        ),
        full_refresh: bool = typer.Option(
            False, "--full-refresh", help="Rebuild dbt's incremental models from scratch."
        ),
    ) -> None:
        """Ingest, build, score, campaigns, serving copy, reports and alerts: one Dagster run."""
        try:
            day = date.fromisoformat(report_date) if report_date else None
        except ValueError as exc:
            raise CcdwError(f"--report-date {report_date!r} is not a date (YYYY-MM-DD)") from exc
        from pipelines.run import run_pipeline

        outcome = run_pipeline(report_date=day, send=not no_send, full_refresh=full_refresh)
        typer.echo(json.dumps(outcome.as_dict()))
