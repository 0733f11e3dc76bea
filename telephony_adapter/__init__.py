"""The dialer adapter: pushes campaign members to Asterisk (AMI or call files), a CSV list,
or nowhere (dry-run), recording every attempt in ``ops.dial_attempts``.

Public: :func:`dial`. It takes member records from ``ops.campaign_members`` (it reads no
marts or ML tables) and, before sending anything, reconciles attempts left open by an
earlier run (call-file statuses, CDRs) so that nobody is dialed twice.
"""

from __future__ import annotations

from telephony_adapter.api import dial, reconcile
from telephony_adapter.dialer import DialSummary

__all__ = ["DialSummary", "dial", "reconcile"]
