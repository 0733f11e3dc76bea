"""Hand-made campaign members for adapter tests."""
from __future__ import annotations

from datetime import datetime

from ccdw.campaigns.schema import ensure_campaign_schema
from ccdw.db import connect
from ccdw.settings import Settings

# A Wednesday, 10:00 in Asia/Shanghai: inside the default 09:00-20:00 window.
NOW = datetime(2026, 12, 2, 10, 0, 0)


def add_member(settings: Settings, member_id: str, phone: str, **extra: object) -> None:
    row = {
        "campaign_id": "retention",
        "member_id": member_id,
        "customer_id": f"C-{member_id}",
        "phone_e164": phone,
        "priority": 50,
        "reason": "test",
        "is_control": False,
        "eligible_from": datetime(2026, 12, 1),
        "eligible_to": datetime(2026, 12, 9),
        "status": "eligible",
        "local_timezone": "Asia/Shanghai",
        "window_start": "09:00",
        "window_end": "20:00",
        "weekdays": "1,2,3,4,5,6,7",
        "max_attempts": 2,
        "retry_minutes": 240,
        "caller_id": '"CCDW" <4008001234>',
        "dial_channel": "PJSIP/{number}@trunk",
        "dial_context": "ccdw-outbound",
        "dial_extension": "s",
        "attempts": 0,
    }
    row.update(extra)
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with connect(settings) as con:
        ensure_campaign_schema(con)
        con.execute(f"insert into ops.campaign_members ({cols}) values ({marks})", list(row.values()))


def attempts(settings: Settings) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        return con.execute(
            """select member_id, action_id, response, reason_code, uniqueid, final_status, via
               from ops.dial_attempts order by member_id"""
        ).fetchall()
