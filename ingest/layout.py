"""Which contract column each field of a file is: CDR column counts and CRM headers.

Only the first lines of a file (the decompressed sample) are parsed here, with the
standard ``csv`` module; the rows themselves are read by DuckDB.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from ingest.feeds import CDR_COLUMNS, Feed

CDR_LAYOUTS = (16, 17, 18, 21)


class LayoutError(Exception):
    """The file's layout cannot be mapped to the feed (file rejected)."""


@dataclass(frozen=True)
class FileLayout:
    """Position ``i`` of each line holds ``columns[i]`` (a contract column) or an extra."""

    columns: tuple[str | None, ...]  # None: an extra column (name in ``extra_names``)
    extra_names: dict[int, str] = field(default_factory=dict)
    header_lines: int = 0

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def present(self) -> set[str]:
        return {name for name in self.columns if name is not None}


def sample_lines(sample: bytes, codec: str, limit: int = 200) -> list[str]:
    text = sample.decode(codec, errors="replace").removeprefix("\ufeff")
    lines = text.splitlines()
    if len(sample) and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]  # the sample may cut the last line short
    return [line for line in lines[:limit] if line.strip()]


def cdr_layout(sample: bytes, codec: str, userfield_without_uniqueid: bool) -> FileLayout:
    """16/17/18/21 columns, decided by the most common width of the first lines."""
    lines = sample_lines(sample, codec)
    if not lines:
        return FileLayout(tuple(c.name for c in CDR_COLUMNS))
    widths = Counter(len(row) for row in csv.reader(io.StringIO("\n".join(lines))))
    width = widths.most_common(1)[0][0]
    if width not in CDR_LAYOUTS:
        raise LayoutError(
            f"unsupported CDR layout: {width} columns (cdr_csv writes 16, 17, 18 or 21)"
        )
    names = [c.name for c in CDR_COLUMNS[:16]]
    if width == 17:
        names.append("userfield" if userfield_without_uniqueid else "uniqueid")
    else:
        names = [c.name for c in CDR_COLUMNS[:width]]
    return FileLayout(tuple(names))


def crm_layout(feed: Feed, sample: bytes, codec: str) -> FileLayout:
    """Map the header row onto the contract; extra columns go to ``_extra``."""
    lines = sample_lines(sample, codec, limit=1)
    if not lines:
        raise LayoutError("empty file: no header row")
    header = next(csv.reader(io.StringIO(lines[0])))
    known = set(feed.column_names)
    columns: list[str | None] = []
    extras: dict[int, str] = {}
    seen: set[str] = set()
    for i, raw_name in enumerate(header):
        name = raw_name.strip().lower()
        if name in known and name not in seen:
            columns.append(name)
            seen.add(name)
        else:
            columns.append(None)
            extras[i] = raw_name.strip() or f"column_{i + 1}"
    missing_keys = [k for k in feed.key if k not in seen]
    if missing_keys:
        raise LayoutError(
            f"header has no key column {', '.join(missing_keys)}"
            f" (header: {', '.join(h.strip() for h in header)[:200]})"
        )
    missing_required = [c.name for c in feed.columns if c.required and c.name not in seen]
    if missing_required:
        raise LayoutError(f"header has no required column {', '.join(missing_required)}")
    return FileLayout(tuple(columns), extras, header_lines=1)
