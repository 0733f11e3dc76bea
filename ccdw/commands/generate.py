"""``ccdw generate``: write a realistic source-data set (every feed plus the truth)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    del groups

    @app.command("generate")
    def generate_command(
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Landing directory to write (default: $CCDW_HOME/landing)."),
        ] = None,
        scale: Annotated[
            str, typer.Option("--scale", help="tiny | small | medium | large (see docs/interfaces.md).")
        ] = "small",
        seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same bytes.")] = 42,
        end_date: Annotated[
            str | None,
            typer.Option("--end-date", help="Last day of data, YYYY-MM-DD (default: yesterday, site time)."),
        ] = None,
    ) -> None:
        """Generate every source feed (CDRs, queue_log, CRM, banking, insurance) and truth/."""
        from ccdw.errors import CcdwError
        from ccdw.generate import generate
        from ccdw.settings import get_settings

        settings = get_settings()
        end: date | None = None
        if end_date is not None:
            try:
                end = datetime.strptime(end_date, "%Y-%m-%d").date()
            except ValueError as exc:
                raise CcdwError(f"--end-date {end_date!r} is not a date in YYYY-MM-DD form") from exc
        target = out if out is not None else settings.landing_dir
        counts = generate(target, scale=scale, seed=seed, end_date=end, settings=settings)
        typer.echo(f"generated {scale} data (seed {seed}) in {target}")
        for feed, rows in counts.items():
            typer.echo(f"  {feed:<22} {rows:>12,} rows")
