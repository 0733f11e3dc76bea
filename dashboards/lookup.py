"""Customer lookup by customer ID or phone number, and a customer's contact history.

A typed phone number is normalised to E.164 (``phonenumbers``, region CN) and compared
inside SQL, as a bound parameter, with ``marts.customer_contact_restricted``; only the
customer ID comes back out, and pages show masked values only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import phonenumbers

from ccdw.settings import Settings
from dashboards import data

_ID_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
_PHONE_CHARS = re.compile(r"^[+\d][\d\s\-()]{5,30}$")


@dataclass(frozen=True)
class LookupResult:
    customer_id: str | None
    matched_by: str  # "customer_id" | "phone" | "none"
    message: str
    phone_e164: str | None = None  # kept for the caller-only history query, never displayed


def normalise_phone(text: str, region: str = "CN") -> str | None:
    """E.164 for a typed number (mobiles, landlines, +86/0086 prefixes), None if not a number."""
    cleaned = text.strip()
    if not _PHONE_CHARS.match(cleaned):
        return None
    # "ext 8001" style extensions are not part of the number we match on.
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_customer(text: str, settings: Settings | None = None) -> LookupResult:
    """Resolve a customer ID or phone number to a customer ID (no PII leaves SQL)."""
    typed = text.strip()
    if not typed:
        return LookupResult(None, "none", "Type a customer ID or a phone number.")
    if _ID_PATTERN.match(typed) and data.has_table("marts.mart_customer_360", settings):
        found = data.query(
            "select customer_id from marts.mart_customer_360 where customer_id = ?", [typed], settings
        )
        if not found.empty:
            return LookupResult(str(found["customer_id"].iloc[0]), "customer_id", "Found by customer ID.")
    phone = normalise_phone(typed)
    if phone is None:
        return LookupResult(None, "none", "No customer with that ID, and it is not a phone number.")
    if data.has_table("marts.customer_contact_restricted", settings):
        found = data.query(
            "select customer_id from marts.customer_contact_restricted "
            "where phone_e164 = ? or phone2_e164 = ? order by customer_id limit 1",
            [phone, phone],
            settings,
        )
        if not found.empty:
            return LookupResult(str(found["customer_id"].iloc[0]), "phone", "Found by phone number.", phone)
    return LookupResult(None, "none", "No customer has that phone number.", phone)


def customer_profile(customer_id: str, settings: Settings | None = None) -> pd.DataFrame:
    """The 360 row (masked columns only) plus the masked ID number from dim_customer."""
    id_number = (
        "(select any_value(id_number_masked) from marts.dim_customer d "
        "where d.customer_id = m.customer_id and d.is_current)"
        if data.has_table("marts.dim_customer", settings)
        else "null"
    )
    return data.query(
        f"select m.*, {id_number} as id_number_masked "  # noqa: S608 (constant sub-select)
        "from marts.mart_customer_360 m where m.customer_id = ?",
        [customer_id],
        settings,
    )


# Each source of contacts: (table it needs, select with one ? for the customer id).
_HISTORY_SOURCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("marts.fct_queue_calls",),
        "select entered_at as contact_at, 'call' as channel, queue as topic, outcome as result, "
        "'wait ' || coalesce(cast(round(wait_seconds) as integer), 0) || 's, talk ' || "
        "coalesce(cast(round(talk_seconds) as integer), 0) || 's' || coalesce(', agent ' || agent_id, '') as detail "
        "from marts.fct_queue_calls where customer_id = ?",
    ),
    (
        ("marts.fct_tickets",),
        "select created_at, 'ticket · ' || coalesce(channel, '?'), category, status, "
        "ticket_id || coalesce(' · ' || department, '') || coalesce(', satisfaction ' || satisfaction, '') "
        "from marts.fct_tickets where customer_id = ?",
    ),
    (
        ("ops.campaign_members", "ops.dial_attempts"),
        "select a.sent_at, 'outbound call', m.campaign_id, coalesce(a.final_status, a.response), "
        "'member ' || m.member_id || case when m.is_control then ' (control)' else '' end "
        "from ops.dial_attempts a join ops.campaign_members m using (member_id) where m.customer_id = ?",
    ),
    (
        ("ml.fund_anomalies",),
        "select detected_at, 'fund alert', typology, 'score ' || round(score, 2), reasons "
        "from ml.fund_anomalies where customer_id = ?",
    ),
)


def contact_history(customer_id: str, settings: Settings | None = None) -> pd.DataFrame:
    """Every contact with the customer we know of, newest first (all time, not the filter)."""
    present = data.tables(settings)
    parts = [sql for needs, sql in _HISTORY_SOURCES if all(t in present for t in needs)]
    if not parts:
        return pd.DataFrame(columns=["contact_at", "channel", "topic", "result", "detail"])
    sql = " union all ".join(f"({part})" for part in parts) + " order by contact_at desc nulls last"
    return data.query(sql, [customer_id] * len(parts), settings)


def caller_history(phone_e164: str, settings: Settings | None = None) -> pd.DataFrame:
    """Queue calls from a number that matches no customer (shown with the masked number)."""
    if not data.has_table("marts.queue_call_numbers_restricted", settings):
        return pd.DataFrame()
    return data.query(
        "select c.entered_at as contact_at, c.queue, c.outcome, c.wait_seconds, c.talk_seconds, "
        "c.agent_id, c.caller_number_masked from marts.fct_queue_calls c "
        "join marts.queue_call_numbers_restricted r using (queue_call_id) "
        "where r.caller_e164 = ? order by c.entered_at desc",
        [phone_e164],
        settings,
    )
