"""Calling windows in the customer's local time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def first_open_moment(
    start: datetime,
    end: datetime,
    *,
    customer_tz: str,
    site_tz: str,
    window: tuple[str, str],
    weekdays: set[int],
) -> datetime | None:
    """The first site-local moment in ``[start, end]`` inside the window on an allowed
    weekday in the customer's time zone, or None if the window never opens in that span."""
    if end < start:
        return None
    site = ZoneInfo(site_tz)
    local_zone = ZoneInfo(customer_tz)
    open_t, close_t = time.fromisoformat(window[0]), time.fromisoformat(window[1])
    start_local = start.replace(tzinfo=site).astimezone(local_zone)
    end_local = end.replace(tzinfo=site).astimezone(local_zone)
    day = start_local.date()
    while day <= end_local.date():
        if day.isoweekday() in weekdays:
            opens = datetime.combine(day, open_t, local_zone)
            closes = datetime.combine(day, close_t, local_zone)
            lo, hi = max(opens, start_local), min(closes, end_local)
            if lo < hi:
                return lo.astimezone(site).replace(tzinfo=None)
        day += timedelta(days=1)
    return None
