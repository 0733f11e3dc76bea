"""``ccdw generate``: a realistic, deterministic source-data set for every feed.

``generate(out, scale, seed, end_date)`` writes ``out/<feed>/...`` for every feed of
``ingest.feeds.FEEDS`` plus ``out/truth/`` (see ``docs/interfaces.md`` "Generator"):

* telephony from a discrete-event simulation (:mod:`ccdw.generate.callcenter`; conventions
  for the KPI truth are documented there), written by :mod:`ccdw.generate.telephony`;
* CRM feeds in the export variants the contract allows — ``customers`` first as a GB18030
  export, then a later UTF-8 correction file with shuffled columns and an extra column;
  ``agents`` with a UTF-8 BOM; ``queues`` and ``tickets`` with CRLF; ``policies`` gzip'd;
  ``accounts`` with shuffled columns;
* banking with chained balances and planted anomalies (:mod:`ccdw.generate.banking`).

``truth/customer_value.csv``: ``true_value_12m`` is the *expected* 12-month value from the
latent parameters the data is simulated from — 1.2% of latent wealth (net interest margin),
0.6% of 12 months of latent card spend (interchange), 15% of the active annual premium —
and ``is_high_value`` marks the top 20% (rounded up) by it.

Same seed and end date → byte-identical files (every random stream is spawned from one
``SeedSequence``; gzip members carry no timestamp).
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings

if TYPE_CHECKING:
    import pyarrow as pa

    from ccdw.generate.customers import Population

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scale:
    name: str
    customers: int
    call_days: int
    calls_per_day: int  # weekday-average first queue entries per day (all queues)
    n_queues: int
    history_days: int  # banking history
    activity: float  # transaction-rate multiplier
    pool_days: int | None  # None: simulate every day; else replay a pool of simulated days
    per_typology: int  # planted anomalies per typology (and look-alikes per pattern)
    monthly_share: float = 1.0  # share of accounts with monthly streams (salary, rent, ...)


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 200, 3, 650, 3, 400, 1.0, None, 4),
    "small": Scale("small", 5_000, 30, 1_900, 6, 400, 1.0, None, 25),
    "medium": Scale("medium", 50_000, 60, 9_500, 10, 400, 0.8, None, 100),
    "large": Scale("large", 1_000_000, 90, 45_000, 20, 400, 0.05, 14, 400, 0.35),
}


def _seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(n)


def generate(
    out: Path,
    scale: str = "small",
    seed: int = 42,
    end_date: date | None = None,
    settings: Settings | None = None,
) -> dict[str, int]:
    """Write every feed and the truth under ``out``; return row counts per feed."""
    from ccdw.generate import banking, customers, insurance, org, telephony, tickets
    from ccdw.generate.callcenter import diurnal_profile
    from ccdw.generate.writers import CsvVariant, write_crm
    from ingest.feeds import FEEDS

    settings = settings or get_settings()
    if scale not in SCALES:
        raise CcdwError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    sc = SCALES[scale]
    tz = ZoneInfo(settings.timezone)
    if end_date is None:
        end_date = datetime.now(tz).date() - timedelta(days=1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    s = _seeds(seed, 12)
    rng = {name: np.random.default_rng(ss) for name, ss in zip(
        ("org", "people", "corr", "callers", "dnc", "bank", "ins", "tickets", "files", "agents"),
        s[:10], strict=True)}
    counts: dict[str, int] = {}
    days = telephony.days_ending(end_date, sc.call_days)
    window_start = days[0]

    # Organisation -------------------------------------------------------------------------
    queues = org.queue_specs(sc.n_queues)
    weights = np.array([q.weight for q in queues])
    weights = weights / weights.sum()
    daily_calls = {q.name: sc.calls_per_day * float(wt) for q, wt in zip(queues, weights, strict=True)}
    shifts = {q.name: org.staff_queue(q, org.hourly_need(q, daily_calls[q.name] * 1.1, diurnal_profile(q)))
              for q in queues}
    agents = org.build_agents(rng["agents"], queues, shifts, end_date.year)
    rms = org.relationship_managers(rng["org"], org.n_rms(sc.customers))

    # People ---------------------------------------------------------------------------------
    pop = customers.build_population(rng["people"], sc.customers, end_date, rms)
    callers = customers.callers_from(rng["callers"], pop)

    # Telephony ------------------------------------------------------------------------------
    tel = telephony.simulate_telephony(out, s[10], days, tz, queues, agents, daily_calls, callers,
                                       sc.pool_days, settings.short_abandon_seconds)
    counts["cdr"] = tel.cdr_rows
    counts["queue_log"] = tel.queue_log_rows

    # CRM feeds -------------------------------------------------------------------------------
    frng = rng["files"]
    counts["centers"] = write_crm(out / "centers" / "centers.csv", org.centers_frame())
    counts["queues"] = write_crm(out / "queues" / "queues.csv", org.queues_frame(queues),
                                 CsvVariant(crlf=True))
    counts["agents"] = write_crm(out / "agents" / "agents.csv",
                                 org.agents_frame(agents, rng["agents"], end_date.year),
                                 CsvVariant(encoding="utf-8-sig"))
    counts["relationship_managers"] = write_crm(out / "relationship_managers" / "relationship_managers.csv", rms)
    counts["customers"] = write_crm(out / "customers" / "customers-initial.csv", pop.frame,
                                    CsvVariant(encoding="gb18030"))
    corr = customers.corrections(rng["corr"], pop, rms, window_start, end_date)
    counts["customers"] += write_crm(
        out / "customers" / "customers-update.csv", corr,
        CsvVariant(shuffle_columns=True, extra_columns=(("crm_batch", "B"),)), frng)
    counts["dnc"] = write_crm(out / "dnc" / "dnc.csv", customers.dnc_frame(rng["dnc"], pop, end_date))

    bank = banking.build_banking(rng["bank"], pop, end_date, sc.history_days, sc.activity,
                                 sc.per_typology, sc.monthly_share)
    counts["accounts"] = write_crm(out / "accounts" / "accounts.csv", bank.accounts,
                                   CsvVariant(shuffle_columns=True), frng)
    counts["transactions"] = _write_transactions(out, bank.transactions)
    bank.transactions = None  # type: ignore[assignment]  # the largest table: free it now

    ins = insurance.build_insurance(rng["ins"], pop, end_date)
    counts["policies"] = write_crm(out / "policies" / "policies.csv.gz", ins.policies, CsvVariant(gzip=True))
    counts["premiums"] = write_crm(out / "premiums" / "premiums.csv", ins.premiums)

    midnight = datetime(end_date.year, end_date.month, end_date.day, tzinfo=tz)
    offset = int((midnight.utcoffset() or timedelta(0)).total_seconds())  # tickets are naive local
    tk = tickets.build_tickets(
        rng["tickets"], tel.entries, callers, queues, pop.frame["customer_id"].to_numpy(dtype=str),
        offset, customers.naive_epoch(window_start), customers.naive_epoch(end_date) + 86400)
    counts["tickets"] = write_crm(out / "tickets" / "tickets-1.csv", tk.snapshot1, CsvVariant(crlf=True))
    counts["tickets"] += write_crm(out / "tickets" / "tickets-2.csv", tk.snapshot2, CsvVariant(crlf=True))
    counts["ticket_events"] = write_crm(out / "ticket_events" / "ticket_events.csv", tk.events)
    counts["web_callbacks"] = write_crm(out / "web_callbacks" / "web_callbacks.csv", tk.callbacks)

    missing = sorted(set(FEEDS) - set(counts))
    if missing:  # a contract feed the generator forgot is a bug, not a user error
        raise RuntimeError(f"generator wrote no files for feeds: {missing}")

    # Truth --------------------------------------------------------------------------------------
    truth = out / "truth"
    value = customer_value(pop, bank.has_card, ins.annual_premium_by_customer)
    _write_truth(truth / "queue_daily.csv", tel.queue_daily)
    _write_truth(truth / "agent_daily.csv", tel.agent_daily)
    _write_truth(truth / "anomalies.csv", bank.anomalies)
    _write_truth(truth / "lookalikes.csv", bank.lookalikes)
    _write_truth(truth / "customer_value.csv", value)
    manifest = {
        "scale": sc.name,
        "seed": seed,
        "start_date": window_start.isoformat(),
        "end_date": end_date.isoformat(),
        "history_start_date": (end_date - timedelta(days=sc.history_days - 1)).isoformat(),
        "timezone": settings.timezone,
        "rows": counts,
        "scale_parameters": asdict(sc),
    }
    (truth / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    log.info("generated %s (seed %d) in %.1f s: %s", scale, seed, time.perf_counter() - t_start, counts)
    return counts


def _write_transactions(out: Path, table: pa.Table) -> int:
    """One file per calendar month of booking (``transactions-YYYYMM.csv``)."""
    import pyarrow.compute as pc

    from ccdw.generate.writers import write_big_csv

    month = pc.strftime(table["booked_at"], format="%Y%m")
    for m in sorted(set(pc.unique(month).to_pylist())):
        write_big_csv(out / "transactions" / f"transactions-{m}.csv", table.filter(pc.equal(month, m)))
    return table.num_rows


def customer_value(pop: Population, has_card: np.ndarray, premium: np.ndarray) -> pd.DataFrame:
    """True 12-month value from the latent parameters (see the module docstring)."""
    value = 0.012 * pop.wealth + 0.006 * 12 * pop.card_spend * has_card + 0.15 * premium
    value = np.round(value, 2)
    n = len(value)
    top = math.ceil(0.2 * n)
    order = np.lexsort((np.arange(n), -value))
    is_high = np.zeros(n, dtype=int)
    is_high[order[:top]] = 1
    return pd.DataFrame({"customer_id": pop.frame["customer_id"].to_numpy(),
                         "true_value_12m": value, "is_high_value": is_high})


def _write_truth(path: Path, df: pd.DataFrame) -> None:
    from ccdw.generate.writers import atomic_write_bytes

    df = df.copy()
    for col in df.columns:
        if df[col].dtype == "float64":
            df[col] = df[col].round(6)
    atomic_write_bytes(path, df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
