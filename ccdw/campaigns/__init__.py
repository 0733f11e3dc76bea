"""Campaigns: versioned YAML definitions → compliant call lists in ``ops.campaign_members``.

Public: :func:`build_campaigns` (see :mod:`ccdw.campaigns.build` for the rules) and
:func:`export_members` (VICIdial-style list).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccdw.campaigns.build import build_campaigns
    from ccdw.campaigns.export import export_members

__all__ = ["build_campaigns", "export_members"]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``ccdw.campaigns.schema`` can be imported without pandas/phonenumbers.
    if name == "build_campaigns":
        from ccdw.campaigns.build import build_campaigns

        return build_campaigns
    if name == "export_members":
        from ccdw.campaigns.export import export_members

        return export_members
    raise AttributeError(name)
