"""``ccdw build``: run dbt build against the warehouse (see :mod:`ccdw.warehouse`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command("build")
    def build_command(
        select: str | None = typer.Option(None, "--select", "-s", help="dbt node selection."),
        full_refresh: bool = typer.Option(
            False, "--full-refresh", help="Rebuild incremental facts from scratch."
        ),
        docs: bool = typer.Option(False, "--docs", help="Also run `dbt docs generate`."),
    ) -> None:
        """Build the star schema and KPI marts (dbt build: models and tests)."""
        from ccdw.warehouse import build, docs_generate

        result = build(select=select, full_refresh=full_refresh)
        typer.echo(
            f"dbt build: {result.count('success')} models ok, {result.count('pass')} tests passed,"
            f" {result.count('warn')} warnings in {result.elapsed_seconds:.1f} s"
        )
        if docs:
            target = docs_generate()
            typer.echo(f"dbt docs: {target / 'index.html'}")
