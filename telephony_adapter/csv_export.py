"""VICIdial-style list load: the standard lead-file column layout, one member a row."""

from __future__ import annotations

import csv
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

import phonenumbers

from telephony_adapter.safety import check_member_id, check_phone

# VICIdial "Load new leads" standard format (Lead Loader), in order.
VICIDIAL_COLUMNS = (
    "vendor_lead_code",
    "source_id",
    "list_id",
    "phone_code",
    "phone_number",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "province",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "alt_phone",
    "email",
    "security_phrase",
    "comments",
    "rank",
)


def list_id_for(campaign_id: str) -> int:
    """VICIdial list ids are numeric: a stable number per campaign."""
    return 10000 + zlib.crc32(campaign_id.encode("utf-8")) % 90000


def vicidial_row(member_id: str, campaign_id: str, phone_e164: str, reason: str | None,
                 priority: int | None) -> dict[str, str]:
    number = phonenumbers.parse(check_phone(phone_e164), None)
    region = phonenumbers.region_code_for_number(number) or ""
    row = dict.fromkeys(VICIDIAL_COLUMNS, "")
    row.update(
        vendor_lead_code=check_member_id(member_id),
        source_id=campaign_id[:50],
        list_id=str(list_id_for(campaign_id)),
        phone_code=str(number.country_code),
        phone_number=str(phonenumbers.national_significant_number(number)),
        country_code=region,
        comments=(reason or "")[:255],
        rank=str(priority or 0),
    )
    return row


def write_rows(path: Path, rows: Iterable[dict[str, str]]) -> int:
    """Write atomically (temp file + rename) so a reader never sees half a list."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=VICIDIAL_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    os.replace(tmp, path)
    return count
