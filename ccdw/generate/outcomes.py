"""Close the campaign loop in tests and demos: outbound-call CDRs for dialled members.

``simulate_dial_outcomes`` plays the PBX's part after the dialer: it writes one cdr_csv
Master.csv row (21 columns, as :mod:`ccdw.generate.telephony` writes them) per campaign member,
with ``userfield`` = the member_id, the way the adapter's ``Originate`` sets ``CDR(userfield)``.
The next ``ccdw ingest`` lands them in ``raw.cdr`` and the campaign marts join them back.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ccdw.errors import CcdwError
from ccdw.generate.telephony import finish_cdr_frame
from ccdw.generate.writers import atomic_write_bytes, cdr_lines
from ccdw.settings import Settings, get_settings

DISPOSITIONS = np.array(["ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"])
MIX = np.array([0.45, 0.30, 0.12, 0.08, 0.05])


def _national(e164: str) -> str | None:
    """+8613812345678 → 13812345678; +862087654321 → 02087654321; anything else → None."""
    if not e164.startswith("+86") or not e164[3:].isdigit():
        return None
    rest = e164[3:]
    return rest if rest.startswith("1") and len(rest) == 11 else "0" + rest


def simulate_dial_outcomes(
    members: pd.DataFrame,
    out_dir: Path,
    seed: int,
    when: datetime,
    settings: Settings | None = None,
) -> Path:
    """Write ``out_dir/cdr/Master-dialer-<when>-<seed>.csv``: one outbound CDR per member.

    ``members`` has ``member_id, phone_e164, campaign_id``. Calls start at ``when`` (naive =
    site-local time), a few seconds apart; a number that is not a Chinese E.164 fails.
    """
    settings = settings or get_settings()
    missing = {"member_id", "phone_e164", "campaign_id"} - set(members.columns)
    if missing:
        raise CcdwError(f"members lack column(s): {', '.join(sorted(missing))}")
    tz = ZoneInfo(settings.timezone)
    local = when.astimezone(tz).replace(tzinfo=None) if when.tzinfo else when
    epoch0 = int(local.replace(tzinfo=tz).timestamp())
    n = len(members)
    digest = hashlib.sha256(f"{seed}|{epoch0}".encode()).digest()
    rng = np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])
    member_ids = members["member_id"].astype(str).to_numpy()
    numbers = [_national(str(p)) for p in members["phone_e164"].to_numpy()]
    valid = np.array([x is not None for x in numbers], dtype=bool)
    dst = np.array([x if x is not None else str(p) for x, p in
                    zip(numbers, members["phone_e164"].to_numpy(), strict=True)], dtype=object)
    disp = DISPOSITIONS[rng.choice(len(MIX), n, p=MIX)]
    disp = np.where(valid, disp, "FAILED")
    start = epoch0 + np.cumsum(rng.integers(1, 6, n)) - 1
    ring = rng.integers(4, 25, n)
    talk = rng.lognormal(4.3, 0.8, n).astype(np.int64) + 3
    answered = disp == "ANSWERED"
    end = np.select(
        [answered, disp == "NO ANSWER", disp == "BUSY"],
        [start + ring + talk, start + 45, start + 3], default=start + 1)
    base = int.from_bytes(digest[8:12], "little") % 9_000_000 + 1_000_000
    counter = base + np.arange(n)
    uid = (pd.Series(start).astype(str) + "." + pd.Series(counter).astype(str)).to_numpy()
    hexc = pd.Series(counter).map("{:08x}".format)
    channel = ("PJSIP/trunk-" + hexc).to_numpy()
    dstchannel = np.where(np.isin(disp, ["FAILED", "CONGESTION"]), "",
                          ("PJSIP/agent-" + hexc).to_numpy())
    campaign = members["campaign_id"].astype(str).to_numpy()
    cdr = pd.DataFrame(
        {
            "accountcode": "campaign",
            "src": "95519",
            "dst": dst,
            "dcontext": "outbound-campaign",
            "clid": ['"' + c.replace('"', '""') + '" <95519>' for c in campaign],
            "channel": channel,
            "dstchannel": dstchannel,
            "lastapp": "Dial",
            "lastdata": ["PJSIP/" + str(d) + "@trunk,45" for d in dst],
            "start_epoch": start,
            "answer_epoch": np.where(answered, start + ring, -1),
            "end_epoch": end,
            "duration": end - start,
            "billsec": np.where(answered, talk, 0),
            "disposition": disp,
            "amaflags": "DOCUMENTATION",
            "uniqueid": uid,
            "userfield": member_ids,
            "peeraccount": "",
            "linkedid": uid,
        }
    )
    cdr = finish_cdr_frame(cdr, tz, int(counter[0]) if n else 0)
    path = Path(out_dir) / "cdr" / f"Master-dialer-{local:%Y%m%d%H%M%S}-{seed}.csv"
    atomic_write_bytes(path, cdr_lines(cdr, 21))
    return path
