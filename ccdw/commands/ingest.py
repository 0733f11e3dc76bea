"""``ccdw ingest [LANDING_DIR]``: land new files into ``raw`` and print a summary per feed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def ingest_command(
    landing_dir: Annotated[
        Path | None,
        typer.Argument(
            help="Landing directory with one sub-directory per feed (default $CCDW_HOME/landing)."
        ),
    ] = None,
) -> None:
    """Land every new complete file into raw.<feed> (idempotent; bad rows are quarantined)."""
    from rich.console import Console
    from rich.table import Table

    from ingest.run import ingest_landing

    summary = ingest_landing(landing_dir)
    table = Table(title=f"ingest {summary.landing_dir}")
    for column in ("feed", "files", "rows read", "landed", "duplicate", "quarantined", "rejected"):
        table.add_column(column, justify="left" if column == "feed" else "right")
    for feed, totals in summary.by_feed().items():
        table.add_row(
            feed,
            str(totals.files),
            str(totals.rows_read),
            str(totals.landed),
            str(totals.duplicate),
            str(totals.quarantined),
            str(totals.rejected),
        )
    console = Console()
    if summary.files:
        console.print(table)
    else:
        console.print("ingest: no new files")
    for result in summary.rejected:
        console.print(f"rejected: {result.message}", style="red", markup=False, highlight=False)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("ingest")(ingest_command)
