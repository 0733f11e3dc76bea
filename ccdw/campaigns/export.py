"""Export eligible members as a VICIdial-style lead list (nothing is marked as dialed)."""

from __future__ import annotations

from pathlib import Path

from ccdw.db import connect
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from telephony_adapter.csv_export import vicidial_row, write_rows


def export_members(
    settings: Settings | None = None,
    *,
    out_path: Path | None = None,
    campaign_ids: list[str] | None = None,
    fmt: str = "vicidial",
) -> tuple[Path, int]:
    """Write the active, non-control members to ``out_path``; returns (path, rows)."""
    settings = settings or get_settings()
    if fmt != "vicidial":
        raise CcdwError(f"unknown export format {fmt!r}; use vicidial")
    target = out_path or settings.home / "exports" / "campaign-members-vicidial.csv"
    with connect(settings, read_only=True) as con:
        rows = con.execute(
            """select member_id, campaign_id, phone_e164, reason, priority
               from ops.campaign_members
               where status = 'eligible' and not is_control
                 and ($all or list_contains($campaigns, campaign_id))
               order by priority desc, campaign_id, member_id""",
            {"all": not campaign_ids, "campaigns": list(campaign_ids or [])},
        ).fetchall()
    count = write_rows(target, (vicidial_row(*row) for row in rows))
    return target, count
