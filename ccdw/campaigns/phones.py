"""Phone numbers and local time zones for the compliance checks (phonenumbers does the work)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phone_timezone

# Numbers written without a country code are Chinese (input-formats.md).
DEFAULT_REGION = "CN"


@lru_cache(maxsize=200_000)
def normalize(raw: str | None, site_tz: str) -> tuple[str | None, str]:
    """``(E.164 or None if not a valid dialable number, the number's time zone)``.

    The time zone is the one phonenumbers gives for the number when it is unambiguous,
    else the site's (a country with several zones and a mobile number: we cannot know).
    """
    if raw is None or not str(raw).strip():
        return None, site_tz
    text = str(raw).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None, site_tz
    if number.extension or not phonenumbers.is_valid_number(number):
        return None, site_tz
    zones = [z for z in phone_timezone.time_zones_for_number(number) if z != "Etc/Unknown"]
    tz = zones[0] if len(zones) == 1 else site_tz
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), tz


def normalize_many(raws: Iterable[str | None], site_tz: str) -> list[tuple[str | None, str | None, str]]:
    return [(raw, *normalize(raw, site_tz)) for raw in raws]
