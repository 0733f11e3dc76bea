"""The organisation: service centers (province → city → county), queues, agents, RMs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ccdw.generate.people import GEOGRAPHY, chinese_names, mobile_numbers


@dataclass(frozen=True)
class QueueSpec:
    name: str
    center_id: str
    business_line: str
    service_level_seconds: int
    exten: str  # the dialplan extension that runs Queue(name) (blind-transfer target)
    open_s: int  # opening second of day (0 = 24h)
    close_s: int  # closing second of day (86400 = 24h)
    timeout_s: int  # Queue() timeout → EXITWITHTIMEOUT
    weight: float  # share of the site's volume
    aht_s: float  # mean talk time
    accountcode: str  # CDR accountcode ("" = none; non-empty → per-account copy file)
    keypress: bool  # caller may press a key to leave (EXITWITHKEY)
    agent_channel: bool  # members log in as Agent/NNNN (AGENTLOGIN) instead of ADDMEMBER


@dataclass(frozen=True)
class AgentSpec:
    agent_id: str
    member: str  # queue_log agent field: "PJSIP/8001" or "Agent/9001"
    device: str  # the phone's channel prefix, "PJSIP/8001"
    name: str
    center_id: str
    queue: str
    shift_start_s: int
    shift_end_s: int
    team: str
    hired_at: str


# Queue catalogue; a scale takes the first N.
_CATALOGUE = (
    ("general", "GD-GZ", "general", 20, 0, 86400, 480, 0.30, 150, "", True, False),
    ("life_service", "GD-GZ-TH", "life", 20, 8 * 3600, 21 * 3600, 300, 0.20, 240, "", True, False),
    ("bank_service", "GD-SZ", "bank", 15, 8 * 3600, 21 * 3600, 300, 0.18, 180, "bank", False, True),
    ("pnc_claims", "ZJ-HZ", "pnc", 20, 8 * 3600, 20 * 3600, 300, 0.12, 300, "", False, True),
    ("health_service", "SC-CD-WH", "health", 30, 8 * 3600, 20 * 3600, 300, 0.10, 270, "", False, False),
    ("vip_wealth", "GD-GZ", "bank", 10, 9 * 3600, 21 * 3600, 240, 0.05, 210, "vip", False, False),
    ("life_js", "JS-NJ", "life", 20, 8 * 3600, 20 * 3600, 300, 0.06, 240, "", False, False),
    ("pnc_wh", "HB-WH", "pnc", 20, 8 * 3600, 20 * 3600, 300, 0.05, 280, "", False, True),
    ("bank_su", "JS-SU", "bank", 15, 8 * 3600, 21 * 3600, 300, 0.05, 180, "bank", False, False),
    ("health_nb", "ZJ-NB", "health", 30, 8 * 3600, 20 * 3600, 300, 0.04, 260, "", False, False),
)


def queue_specs(n_queues: int) -> list[QueueSpec]:
    """The first ``n_queues`` queues; beyond the catalogue, regional copies (``_r2`` ...)."""
    out: list[QueueSpec] = []
    for i in range(n_queues):
        base = _CATALOGUE[i % len(_CATALOGUE)]
        suffix = "" if i < len(_CATALOGUE) else f"_r{i // len(_CATALOGUE) + 1}"
        name, center, line, sl, op, cl, to, w, aht, acc, key, agentch = base
        if suffix and op == 0:  # only one 24h hotline
            op, cl = 8 * 3600, 21 * 3600
        out.append(
            QueueSpec(name + suffix, center, line, sl, str(6001 + i), op, cl, to, w, aht, acc,
                      key, agentch)
        )
    return out


def centers_frame() -> pd.DataFrame:
    rows = []
    for p in GEOGRAPHY:
        rows.append((p.center_id, f"{p.name}客服中心", None, "province"))
        for c in p.cities:
            rows.append((c.center_id, f"{c.name}客服中心", p.center_id, "city"))
            for k in c.counties:
                rows.append((k.center_id, f"{c.name}{k.name}服务站", c.center_id, "county"))
    return pd.DataFrame(rows, columns=["center_id", "name", "parent_center_id", "level"])


def queues_frame(queues: list[QueueSpec]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue": [q.name for q in queues],
            "center_id": [q.center_id for q in queues],
            "business_line": [q.business_line for q in queues],
            "service_level_seconds": [q.service_level_seconds for q in queues],
        }
    )


def _shifts(q: QueueSpec) -> list[tuple[int, int]]:
    h = 3600
    if q.open_s == 0:
        # The late shift stays until 00:05 to drain the queue: calls span midnight.
        return [(0, 8 * h), (8 * h, 16 * h + 1800), (11 * h, 19 * h + 1800), (16 * h, 24 * h + 300)]
    mid = (q.open_s + q.close_s) // 2
    return [(q.open_s, mid + 2 * h), (mid - 2 * h, q.close_s + 300)]


def hourly_need(q: QueueSpec, daily_calls: float, diurnal: np.ndarray) -> np.ndarray:
    """Agents needed per hour to carry the offered load at ~85% occupancy (24 values)."""
    per_hour = daily_calls * diurnal.reshape(24, 60).sum(axis=1)
    load = per_hour * (q.aht_s + 30) / 3600.0
    need = np.ceil(load / 0.85 + 0.3 * np.sqrt(load))
    return need.astype(int)


def staff_queue(q: QueueSpec, need: np.ndarray) -> list[tuple[int, int]]:
    """Greedy shift staffing: hour by hour, add agents to the latest-starting shift covering it."""
    shifts = _shifts(q)
    counts = [0] * len(shifts)
    for hour in range(24):
        covering = [i for i, (s, e) in enumerate(shifts) if s <= hour * 3600 < e]
        if not covering:
            continue
        have = sum(counts[i] for i in covering)
        if need[hour] > have:
            counts[max(covering, key=lambda i: shifts[i][0])] += int(need[hour] - have)
    out: list[tuple[int, int]] = []
    for (s, e), c in zip(shifts, counts, strict=True):
        out.extend([(s, e)] * max(c, 1 if s < q.close_s and e > q.open_s else 0))
    return out


def build_agents(
    rng: np.random.Generator, queues: list[QueueSpec], shifts_per_queue: dict[str, list[tuple[int, int]]],
    start_year: int,
) -> list[AgentSpec]:
    agents: list[AgentSpec] = []
    n_total = sum(len(v) for v in shifts_per_queue.values())
    genders = np.where(rng.random(n_total) < 0.6, "F", "M")
    names = chinese_names(rng, genders)
    k = 0
    for q in queues:
        for j, (s, e) in enumerate(shifts_per_queue[q.name]):
            num = 8001 + k if not q.agent_channel else 9001 + k
            member = f"Agent/{num}" if q.agent_channel else f"PJSIP/{num}"
            hired = f"{start_year - int(rng.integers(0, 6))}-{int(rng.integers(1, 13)):02d}-01"
            agents.append(
                AgentSpec(
                    agent_id=f"A{k + 1:05d}",
                    member=member,
                    device=f"PJSIP/{num}",
                    name=str(names[k]),
                    center_id=q.center_id,
                    queue=q.name,
                    shift_start_s=s,
                    shift_end_s=e,
                    team=f"{q.business_line}-{'ABCD'[j % 4]}",
                    hired_at=hired,
                )
            )
            k += 1
    return agents


def agents_frame(agents: list[AgentSpec], rng: np.random.Generator, end_year: int) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "agent_id": [a.agent_id for a in agents],
            "queue_member": [a.member for a in agents],
            "name": [a.name for a in agents],
            "center_id": [a.center_id for a in agents],
            "team": [a.team for a in agents],
            "hired_at": [a.hired_at for a in agents],
            "left_at": [None] * len(agents),
        }
    )
    # A few former agents (never in the simulated shifts) to exercise left_at.
    n_left = max(2, len(agents) // 25)
    genders = np.where(rng.random(n_left) < 0.5, "F", "M")
    names = chinese_names(rng, genders)
    former = pd.DataFrame(
        {
            "agent_id": [f"A9{i:04d}" for i in range(n_left)],
            "queue_member": [f"PJSIP/7{i:03d}" for i in range(n_left)],
            "name": names,
            "center_id": [agents[i % len(agents)].center_id for i in range(n_left)],
            "team": ["former"] * n_left,
            "hired_at": [f"{end_year - 4}-03-01"] * n_left,
            "left_at": [f"{end_year - 1}-0{1 + i % 9}-15" for i in range(n_left)],
        }
    )
    return pd.concat([df, former], ignore_index=True)


def relationship_managers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    city_centers = [c.center_id for p in GEOGRAPHY for c in p.cities]
    genders = np.where(rng.random(n) < 0.5, "F", "M")
    names = chinese_names(rng, genders)
    ids = [f"RM{i + 1:04d}" for i in range(n)]
    return pd.DataFrame(
        {
            "rm_id": ids,
            "name": names,
            "email": [f"rm{i + 1:04d}@bank.example.cn" for i in range(n)],
            "phone": mobile_numbers(rng, n),
            "center_id": [city_centers[i % len(city_centers)] for i in range(n)],
        }
    )


def n_rms(customers: int) -> int:
    return max(5, math.ceil(customers / 400))
