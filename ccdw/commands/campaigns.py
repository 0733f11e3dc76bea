"""``ccdw campaigns build|export`` and ``ccdw dial --via ami|callfile|csv|dry-run``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer


def _parse_as_of(value: str | None) -> datetime | None:
    from ccdw.errors import CcdwError

    if value is None:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(hour=9) if fmt == "%Y-%m-%d" else parsed
    raise CcdwError(f"--as-of {value!r} is not 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' (site time)")


def _parse_params(values: list[str] | None) -> dict[str, dict[str, object]]:
    """``campaign.name=value`` → {campaign: {name: value}}; values stay data (bound later)."""
    from ccdw.errors import CcdwError

    out: dict[str, dict[str, object]] = {}
    for item in values or []:
        key, sep, raw = item.partition("=")
        campaign, dot, name = key.partition(".")
        if not sep or not dot or not campaign or not name:
            raise CcdwError(f"--param {item!r} must look like campaign_id.name=value")
        value: object = raw
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                continue
        out.setdefault(campaign, {})[name] = value
    return out


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    campaigns_app = groups["campaigns"]

    @campaigns_app.command("build")
    def build_command(
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="Build as of this site-local time (default: now)."),
        ] = None,
        campaign: Annotated[
            list[str] | None,
            typer.Option("--campaign", "-c", help="Only these campaign ids (repeatable)."),
        ] = None,
        param: Annotated[
            list[str] | None,
            typer.Option("--param", help="Override a parameter: campaign_id.name=value."),
        ] = None,
    ) -> None:
        """Build call lists from the YAML definitions, with compliance checks."""
        from ccdw.campaigns import build_campaigns
        from ccdw.settings import get_settings

        summary = build_campaigns(
            get_settings(), _parse_as_of(as_of), campaign_ids=campaign or None,
            parameters=_parse_params(param),
        )
        typer.echo(f"campaigns built as of {summary['as_of']}")
        campaigns = summary["campaigns"]
        assert isinstance(campaigns, dict)
        for campaign_id, counts in campaigns.items():
            excluded = ", ".join(f"{k} {v}" for k, v in counts["excluded"].items()) or "none"
            typer.echo(
                f"  {campaign_id:<26} candidates {counts['candidates']:>7,}  eligible "
                f"{counts['eligible']:>7,}  control {counts['control']:>6,}  kept "
                f"{counts['kept']:>5,}  excluded: {excluded}"
            )
        typer.echo(f"  superseded {summary['superseded']}, no longer eligible "
                   f"{summary['no_longer_eligible']}")

    @campaigns_app.command("export")
    def export_command(
        fmt: Annotated[str, typer.Option("--format", help="vicidial")] = "vicidial",
        out: Annotated[Path | None, typer.Option("--out", help="CSV file to write.")] = None,
        campaign: Annotated[
            list[str] | None, typer.Option("--campaign", "-c", help="Only these campaigns.")
        ] = None,
    ) -> None:
        """Export eligible members as a VICIdial-style lead list (marks nothing as dialed)."""
        from ccdw.campaigns import export_members
        from ccdw.settings import get_settings

        path, rows = export_members(get_settings(), out_path=out, campaign_ids=campaign or None,
                                    fmt=fmt)
        typer.echo(f"exported {rows} members to {path}")

    @campaigns_app.command("simulate")
    def simulate_command(
        out: Annotated[
            Path | None, typer.Option("--out", help="Landing dir (default: $CCDW_HOME/landing).")
        ] = None,
        seed: Annotated[int, typer.Option("--seed")] = 42,
    ) -> None:
        """Simulate the pushed calls' outcomes (CDRs with the member key, payments, sales)
        as feeds for the next ingest — the closed loop without a PBX."""
        from ccdw.campaigns.simulate import simulate_campaign_outcomes
        from ccdw.settings import get_settings

        counts = simulate_campaign_outcomes(get_settings(), out, seed=seed)
        typer.echo("simulated outcomes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    @campaigns_app.command("lift")
    def lift_command() -> None:
        """Print marts.agg_campaign_daily: attempts, contact rate, conversions, lift."""
        from ccdw.campaigns.report import lift_table
        from ccdw.settings import get_settings

        typer.echo(lift_table(get_settings()))

    @app.command("dial")
    def dial_command(
        via: Annotated[
            str, typer.Option("--via", help="ami | callfile | csv | dry-run")
        ] = "dry-run",
        campaign: Annotated[
            list[str] | None, typer.Option("--campaign", "-c", help="Only these campaigns.")
        ] = None,
        limit: Annotated[int | None, typer.Option("--limit", help="At most N members.")] = None,
        cps: Annotated[float, typer.Option("--cps", help="AMI calls per second.")] = 2.0,
        max_concurrent: Annotated[
            int, typer.Option("--max-concurrent", help="AMI calls awaiting their outcome.")
        ] = 10,
        out: Annotated[Path | None, typer.Option("--out", help="CSV file (--via csv).")] = None,
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="Pretend it is this site-local time (testing, demos)."),
        ] = None,
        reconcile_only: Annotated[
            bool,
            typer.Option("--reconcile-only", help="Only close open attempts (call files, CDRs)."),
        ] = False,
    ) -> None:
        """Push due campaign members to Asterisk (AMI or call files), a CSV list, or nowhere."""
        from ccdw.settings import get_settings
        from telephony_adapter import dial, reconcile

        if reconcile_only:
            counts = reconcile(get_settings(), now=_parse_as_of(as_of))
            typer.echo(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
            return

        summary = dial(
            get_settings(), via=via, campaign_ids=campaign or None,  # type: ignore[arg-type]
            limit=limit, cps=cps, max_concurrent=max_concurrent, out_path=out,
            now=_parse_as_of(as_of),
        )
        typer.echo(
            f"dial via {summary.via}: {summary.considered} due, {summary.sent} "
            f"{'would be sent' if summary.via == 'dry-run' else 'sent'}, "
            f"skipped {summary.skipped or 'none'}, outcomes {summary.final or 'none yet'}, "
            f"reconciled {summary.reconciled}, open attempts {summary.open_attempts}"
        )
        if summary.output:
            typer.echo(f"  list written to {summary.output}")
        for row in summary.preview[:20]:
            typer.echo(f"  would dial {row['phone']} for {row['campaign_id']} ({row['member_id']})")
