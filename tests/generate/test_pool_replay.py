"""The ``large`` path: a pool of simulated days replayed on other dates with fresh ids."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ccdw.generate import org, telephony
from ccdw.generate.callcenter import diurnal_profile

from .helpers import entries_from_queue_log, master_cdrs, queue_log


def test_replayed_days_get_new_ids_and_consistent_truth(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    queues = org.queue_specs(2)
    daily = {q.name: 60.0 for q in queues}
    shifts = {q.name: org.staff_queue(q, org.hourly_need(q, 66.0, diurnal_profile(q))) for q in queues}
    agents = org.build_agents(rng, queues, shifts, 2026)
    national = np.array([f"139{i:08d}" for i in range(500)])
    callers = telephony.Callers(national, national, np.full(500, ""))
    days = telephony.days_ending(date(2026, 11, 29), 10)
    tz = ZoneInfo("Asia/Shanghai")
    out = telephony.simulate_telephony(tmp_path, np.random.SeedSequence(1), days, tz, queues,
                                       agents, daily, callers, pool_days=7)
    # Days 0 and 7 share a weekday, so day 7 replays day 0's simulation on another date.
    truth = out.queue_daily
    d0, d7 = str(days[0]), str(days[7])
    t0 = truth[truth["date"].astype(str) == d0].set_index("queue")
    t7 = truth[truth["date"].astype(str) == d7].set_index("queue")
    assert (t0["offered"] == t7["offered"]).all()
    cdr = master_cdrs(tmp_path)
    assert not cdr.duplicated(["uniqueid", "sequence"]).any()
    assert cdr["sequence"].astype(int).is_unique
    ql = queue_log(tmp_path)
    entries = entries_from_queue_log(ql)
    assert not entries.duplicated(["callid", "queue"]).any()
    entries["date"] = pd.to_datetime(entries["enter"], unit="s", utc=True).dt.tz_convert(tz).dt.strftime("%Y-%m-%d")
    offered = entries.groupby(["queue", "date"]).size()
    mine = truth.assign(date=truth["date"].astype(str)).set_index(["queue", "date"])["offered"]
    assert offered.sort_index().to_dict() == mine.sort_index().to_dict()
    # A replayed day has other callers (a permutation of the caller pool).
    src0 = set(cdr.loc[cdr["start"].str.startswith(d0), "src"])
    src7 = set(cdr.loc[cdr["start"].str.startswith(d7), "src"])
    assert src0 != src7
