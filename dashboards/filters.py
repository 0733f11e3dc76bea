"""The filters every page shares: date range, centers, queues.

Values the user picks travel only as ``?`` parameters. Column expressions passed to
:meth:`Filters.where` are constants written in the page modules, never user input.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Rows whose center is the picked center or lies below it (province → city → county).
_CENTER_SUBQUERY = (
    "select center_id from marts.dim_center "
    "where list_has_any(?::varchar[], [center_id, province_id, city_id, county_id])"
)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    centers: tuple[str, ...] = field(default_factory=tuple)
    queues: tuple[str, ...] = field(default_factory=tuple)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one (period-over-period)."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def where(
        self,
        *,
        date_expr: str | None = None,
        center_expr: str | None = None,
        queue_expr: str | None = None,
        use_dates: bool = True,
    ) -> tuple[str, list[Any]]:
        """A ``where`` body and its parameters; expressions are trusted page constants."""
        parts: list[str] = []
        params: list[Any] = []
        if date_expr and use_dates:
            parts.append(f"{date_expr} between ? and ?")
            params += [self.start, self.end]
        if center_expr and self.centers:
            parts.append(f"{center_expr} in ({_CENTER_SUBQUERY})")
            params.append(tuple(self.centers))
        if queue_expr and self.queues:
            parts.append(f"list_contains(?::varchar[], {queue_expr})")
            params.append(tuple(self.queues))
        return (" and ".join(parts) or "true"), params

    def describe(self) -> str:
        text = f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d} ({self.days} days)"
        if self.centers:
            text += f" · centers: {', '.join(self.centers)}"
        if self.queues:
            text += f" · queues: {', '.join(self.queues)}"
        return text


def local_days_as_epochs(start: date, end: date, tz: str) -> tuple[int, int]:
    """The site-local days ``start``..``end`` in ``tz`` as epoch seconds [first, after): a filter
    on a raw epoch column that the scan can prune, instead of a local date per row."""
    zone = ZoneInfo(tz)
    first = datetime.combine(start, time(), zone)
    after = datetime.combine(end + timedelta(days=1), time(), zone)
    return int(first.timestamp()), int(after.timestamp())
