"""Run the day simulations and turn them into Asterisk files and the KPI truth.

Files written (see :mod:`ccdw.generate.callcenter` for the simulation's conventions):

* ``cdr/Master-YYYYMMDD.csv`` — the main PBX, 21 columns (``newcdrcolumns=yes``), one file
  per simulated day (a rotated Master.csv), rows in the order Asterisk writes them (by end).
* ``cdr/<accountcode>.csv`` — cdr_csv's per-account copies of the same records (the ingest
  must land them once).
* ``cdr/branch-gzth-Master.csv`` — a legacy branch PBX, 18 columns, direct calls only; its
  uniqueids carry the system name prefix (``gzth-``), as Asterisk's ``systemname`` does.
* ``queue_log/queue_log-YYYYMMDD.log`` — one per simulated day (the first one gzip'd).

The CDR of a caller waiting in Queue() after the IVR answered is ``ANSWERED`` with an empty
dstchannel even when nobody took the call (the channel was up), as on a real PBX; only ring
attempts to agents (``NO ANSWER``), outbound and branch calls carry the unquoted empty answer.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ccdw.generate.callcenter import DayResult, DaySim
from ccdw.generate.org import AgentSpec, QueueSpec
from ccdw.generate.writers import atomic_write_bytes, cdr_lines, gzip_bytes, queue_log_lines

log = logging.getLogger(__name__)


@dataclass
class Callers:
    """Who calls: raw src as the trunk presents it, national number, customer (or "")."""

    src: np.ndarray
    national: np.ndarray
    customer_id: np.ndarray


@dataclass
class TelephonyOutput:
    entries: pd.DataFrame  # one row per queue entry, with callid, epochs, local date
    rna: pd.DataFrame
    cdr_rows: int
    queue_log_rows: int
    queue_daily: pd.DataFrame
    agent_daily: pd.DataFrame
    files: list[Path]


def local_midnight_epoch(day: date, tz: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def _local_naive(epoch: np.ndarray, tz: ZoneInfo) -> pd.Series:
    s = pd.to_datetime(pd.Series(epoch, dtype="float64"), unit="s", utc=True)
    return s.dt.tz_convert(tz).dt.tz_localize(None)


def materialise_day(
    res: DayResult, day: date, tz: ZoneInfo, chan_offset: int, callers: Callers,
    caller_perm: tuple[int, int] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Give a simulated day real epochs, uniqueids, channel names and numbers."""
    epoch0 = local_midnight_epoch(day, tz)
    n = len(res.chans_t)
    order = np.argsort(res.chans_t, kind="stable")
    counter = np.empty(n, dtype=np.int64)
    counter[order] = chan_offset + np.arange(n)
    chan_epoch = epoch0 + res.chans_t
    uid = (pd.Series(chan_epoch).astype(str) + "." + pd.Series(counter).astype(str)).to_numpy()
    hexc = pd.Series(counter).map("{:08x}".format).to_numpy()
    chan_name = (pd.Series(res.chans_device) + "-" + pd.Series(hexc)).to_numpy()
    uid_x = np.append(uid, "NONE")  # index -1 → "NONE"
    name_x = np.append(chan_name, "")

    def caller_idx(raw: pd.Series) -> np.ndarray:
        idx = raw.to_numpy(dtype=np.int64)
        if caller_perm is not None:
            a, b = caller_perm
            idx = np.where(idx >= 0, (idx * a + b) % len(callers.src), idx)
        return idx

    # queue_log
    q = res.qlog
    ql = pd.DataFrame(
        {
            "epoch": epoch0 + q["t"].to_numpy(),
            "callid": uid_x[q["callid"].to_numpy()],
            "queuename": q["queue"],
            "agent": q["agent"],
            "event": q["event"],
        }
    )
    d = {f"data{i}": q[f"d{i}"].to_numpy(dtype=object).copy() for i in range(1, 6)}
    enter = (q["event"] == "ENTERQUEUE").to_numpy()
    if enter.any():
        idx = caller_idx(q.loc[enter, "d2"].str.slice(1).astype(np.int64))
        d["data2"][enter] = callers.src[idx]
    conn = (q["event"] == "CONNECT").to_numpy()
    d["data2"][conn] = uid_x[q.loc[conn, "bridged"].to_numpy()]
    agentev = q["event"].isin(["AGENTLOGIN", "AGENTLOGOFF"]).to_numpy()
    if agentev.any():
        d["data1"][agentev] = name_x[q.loc[agentev, "d1"].str.slice(5).astype(np.int64).to_numpy()]
    for k, v in d.items():
        ql[k] = v

    # CDRs
    c = res.cdr
    cidx = caller_idx(c["caller"])
    has_caller = cidx >= 0
    src = c["src"].to_numpy(dtype=object).copy()
    fill_src = (src == "") & has_caller
    src[fill_src] = callers.src[cidx[fill_src]]
    dst = c["dst"].to_numpy(dtype=object).copy()
    fill_dst = (dst == "@") & has_caller
    dst[fill_dst] = callers.national[cidx[fill_dst]]
    lastdata = c["lastdata"].to_numpy(dtype=object).copy()
    if fill_dst.any():
        lastdata[fill_dst] = (
            pd.Series(lastdata[fill_dst]).str.replace("@@", "", regex=False).str.replace(
                "PJSIP/", "", regex=False)
        ).to_numpy()
        lastdata[fill_dst] = "PJSIP/" + pd.Series(dst[fill_dst]) + "@" + pd.Series(lastdata[fill_dst])
    clid_name = c["clid_name"].to_numpy(dtype=object).copy()
    name_from_src = clid_name == ""
    clid_name[name_from_src] = src[name_from_src]
    clid = ('"' + pd.Series(clid_name, dtype=str).str.replace('"', '""', regex=False) + '" <'
            + pd.Series(src, dtype=str) + ">").to_numpy(dtype=object)
    start = epoch0 + c["start"].to_numpy()
    end = epoch0 + c["end"].to_numpy()
    ans_rel = c["answer"].to_numpy()
    answered = ans_rel >= 0
    answer = np.where(answered, epoch0 + ans_rel, start)
    cdr = pd.DataFrame(
        {
            "accountcode": c["accountcode"],
            "src": src,
            "dst": dst,
            "dcontext": c["dcontext"],
            "clid": clid,
            "channel": name_x[c["channel"].to_numpy()],
            "dstchannel": name_x[c["dstchannel"].to_numpy()],
            "lastapp": c["lastapp"],
            "lastdata": lastdata,
            "start_epoch": start,
            "answer_epoch": np.where(answered, answer, -1),
            "end_epoch": end,
            "duration": end - start,
            "billsec": np.where(answered, end - answer, 0),
            "disposition": c["disposition"],
            "amaflags": "DOCUMENTATION",
            "uniqueid": uid_x[c["uniqueid"].to_numpy()],
            "userfield": "",
            "peeraccount": "",
            "linkedid": uid_x[c["linkedid"].to_numpy()],
        }
    )

    # Entries and ring-no-answers for the truth
    e = res.entries.copy()
    e["callid"] = uid_x[e["callid"].to_numpy()]
    e["caller"] = caller_idx(e["caller"])
    for col in ("enter", "connect", "end"):
        e[col + "_epoch"] = np.where(e[col].to_numpy() >= 0, epoch0 + e[col].to_numpy(), -1)
    r = res.rna.copy()
    r["enter_epoch"] = epoch0 + r["enter"].to_numpy()
    return ql, cdr, e, r


def finish_cdr_frame(cdr: pd.DataFrame, tz: ZoneInfo, seq_offset: int) -> pd.DataFrame:
    """Sequence by creation (start), rows in write order (end), local naive timestamps."""
    cdr = cdr.reset_index(drop=True)
    order = np.lexsort((np.arange(len(cdr)), cdr["start_epoch"].to_numpy()))
    seq = np.empty(len(cdr), dtype=np.int64)
    seq[order] = seq_offset + np.arange(len(cdr))
    cdr["sequence"] = seq
    cdr = cdr.iloc[np.lexsort((cdr["sequence"].to_numpy(), cdr["end_epoch"].to_numpy()))]
    cdr = cdr.reset_index(drop=True)
    cdr["start"] = _local_naive(cdr["start_epoch"].to_numpy(), tz)
    ans = _local_naive(cdr["answer_epoch"].to_numpy(), tz)
    cdr["answer"] = ans.where(cdr["answer_epoch"].to_numpy() >= 0)
    cdr["end"] = _local_naive(cdr["end_epoch"].to_numpy(), tz)
    return cdr


def branch_cdrs(rng: np.random.Generator, day: date, tz: ZoneInfo, n: int, callers: Callers,
                counter0: int) -> pd.DataFrame:
    """A legacy branch PBX (18 columns): direct inbound/outbound calls of a county office."""
    epoch0 = local_midnight_epoch(day, tz)
    t = np.sort(rng.integers(8 * 3600, 18 * 3600, n))
    who = rng.integers(0, len(callers.src), n)
    ext = (2001 + rng.integers(0, 12, n)).astype(str)
    inbound = rng.random(n) < 0.6
    disp = rng.choice(np.array(["ANSWERED", "NO ANSWER", "BUSY", "FAILED"]), n,
                      p=[0.7, 0.2, 0.07, 0.03])
    ring = rng.integers(2, 25, n)
    talk = rng.lognormal(4.2, 0.8, n).astype(np.int64) + 1
    answered = disp == "ANSWERED"
    start = epoch0 + t
    answer = np.where(answered, start + ring, -1)
    end = np.where(answered, start + ring + talk, start + np.where(disp == "NO ANSWER", ring, 1))
    counter = counter0 + np.arange(n)
    hexc = pd.Series(counter).map("{:08x}".format)
    src = np.where(inbound, callers.src[who], ext)
    dst = np.where(inbound, ext, callers.national[who])
    chan = np.where(inbound, ("SIP/gztrunk-" + hexc).to_numpy(), ("SIP/" + pd.Series(ext) + "-" + hexc).to_numpy())
    dstchan = np.where(disp == "FAILED", "", np.where(inbound, ("SIP/" + pd.Series(ext) + "-" + (hexc + "b")).to_numpy(),
                                                      ("SIP/gztrunk-" + hexc + "b").to_numpy()))
    lastdata = np.where(inbound, "SIP/" + pd.Series(ext) + ",30", "SIP/gztrunk/" + pd.Series(dst) + ",45")
    df = pd.DataFrame(
        {
            "accountcode": "",
            "src": src,
            "dst": dst,
            "dcontext": np.where(inbound, "from-trunk", "from-internal"),
            "clid": ['"' + s + '" <' + s + ">" for s in src],
            "channel": chan,
            "dstchannel": dstchan,
            "lastapp": "Dial",
            "lastdata": lastdata,
            "start_epoch": start,
            "answer_epoch": answer,
            "end_epoch": end,
            "duration": end - start,
            "billsec": np.where(answered, end - answer, 0),
            "disposition": disp,
            "amaflags": "DOCUMENTATION",
            "uniqueid": ("gzth-" + pd.Series(start).astype(str) + "." + pd.Series(counter).astype(str)).to_numpy(),
            "userfield": "",
            "peeraccount": "",
            "linkedid": "",
        }
    )
    return df


def simulate_telephony(
    out: Path,
    rng_root: np.random.SeedSequence,
    days: list[date],
    tz: ZoneInfo,
    queues: list[QueueSpec],
    agents: list[AgentSpec],
    daily_calls: dict[str, float],
    callers: Callers,
    pool_days: int | None,
    short_abandon_seconds: int = 5,
) -> TelephonyOutput:
    """Simulate each day (or a pool of days replayed on every date) and write the files."""
    files: list[Path] = []
    all_entries: list[pd.DataFrame] = []
    all_rna: list[pd.DataFrame] = []
    account_rows: dict[str, int] = {}
    branch_frames: list[pd.DataFrame] = []
    chan_offset = 0
    seq_offset = 0
    cdr_rows = qlog_rows = 0
    pool: dict[int, DayResult] = {}
    day_seeds = rng_root.spawn(len(days) + 1)
    branch_rng = np.random.default_rng(day_seeds[-1])
    for i, day in enumerate(days):
        day_rng = np.random.default_rng(day_seeds[i])
        perm: tuple[int, int] | None = None
        if pool_days is None:
            res = DaySim(day_rng, queues, agents, daily_calls, len(callers.src), day.weekday()).run()
        else:
            key = day.weekday() * 100 + (i // 7) % max(1, pool_days // 7)
            if key not in pool:
                pool[key] = DaySim(day_rng, queues, agents, daily_calls, len(callers.src),
                                   day.weekday()).run()
            else:  # a replayed day: other callers (an affine permutation of the caller pool)
                n = len(callers.src)
                a = int(day_rng.integers(1, n))
                while np.gcd(a, n) != 1:
                    a += 1
                perm = (a, int(day_rng.integers(0, n)))
            res = pool[key]
        ql, cdr, entries, rna = materialise_day(res, day, tz, chan_offset, callers, perm)
        chan_offset += len(res.chans_t)
        cdr = finish_cdr_frame(cdr, tz, seq_offset)
        seq_offset += len(cdr)
        stamp = day.strftime("%Y%m%d")
        cdr_path = out / "cdr" / f"Master-{stamp}.csv"
        atomic_write_bytes(cdr_path, cdr_lines(cdr, 21))
        files.append(cdr_path)
        for acc, part in cdr[cdr["accountcode"] != ""].groupby("accountcode", sort=True):
            # cdr_csv appends to <accountcode>.csv as it goes: stream, don't hold it all.
            tmp = out / "cdr" / f"{acc}.csv.part"
            with tmp.open("ab" if str(acc) in account_rows else "wb") as fh:
                fh.write(cdr_lines(part, 21))
            account_rows[str(acc)] = account_rows.get(str(acc), 0) + len(part)
        data = queue_log_lines(ql)
        if i == 0:
            qpath = out / "queue_log" / f"queue_log-{stamp}.log.gz"
            data = gzip_bytes(data)
        else:
            qpath = out / "queue_log" / f"queue_log-{stamp}.log"
        atomic_write_bytes(qpath, data)
        files.append(qpath)
        cdr_rows += len(cdr)
        qlog_rows += len(ql)
        all_entries.append(entries)
        all_rna.append(rna)
        n_branch = max(5, int(sum(daily_calls.values()) * 0.02))
        branch_frames.append(branch_cdrs(branch_rng, day, tz, n_branch, callers, i * 100_000))
        log.debug("day %s: %d entries, %d CDRs", day, len(entries), len(cdr))
    for acc in sorted(account_rows):
        path = out / "cdr" / f"{acc}.csv"
        os.replace(out / "cdr" / f"{acc}.csv.part", path)
        files.append(path)
    branch = finish_cdr_frame(pd.concat(branch_frames, ignore_index=True), tz, 0)
    bpath = out / "cdr" / "branch-gzth-Master.csv"
    atomic_write_bytes(bpath, cdr_lines(branch, 18))
    files.append(bpath)
    cdr_rows += len(branch) + sum(account_rows.values())
    entries = pd.concat(all_entries, ignore_index=True)
    rna = pd.concat(all_rna, ignore_index=True)
    entries["date"] = _local_naive(entries["enter_epoch"].to_numpy(), tz).dt.date.to_numpy()
    rna["date"] = _local_naive(rna["enter_epoch"].to_numpy(), tz).dt.date.to_numpy()
    sl = {q.name: q.service_level_seconds for q in queues}
    queue_daily = kpi_queue_daily(entries, sl, short_abandon_seconds)
    agent_daily = kpi_agent_daily(entries, rna)
    return TelephonyOutput(entries, rna, cdr_rows, qlog_rows, queue_daily, agent_daily, files)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num/den, NULL (NaN → empty in CSV) where den is 0."""
    den_f = den.astype("float64")
    return (num.astype("float64") / den_f.where(den_f != 0)).astype("float64")


def kpi_queue_daily(entries: pd.DataFrame, sl_seconds: dict[str, int], short_s: int) -> pd.DataFrame:
    """Per queue and local entry date, the warehouse-contract measures from the simulation."""
    e = entries.copy()
    o = e["outcome"]
    e["offered"] = 1
    e["answered"] = (o == "answered").astype(int)
    e["abandoned"] = (o == "abandoned").astype(int)
    e["short_abandoned"] = ((o == "abandoned") & (e["wait"] < short_s)).astype(int)
    e["timeout"] = (o == "timeout").astype(int)
    e["exit_empty"] = (o == "exit_empty").astype(int)
    e["exit_key"] = (o == "exit_key").astype(int)
    e["withdrawn"] = 0
    e["answered_within_sl"] = (
        (o == "answered") & (e["wait"] <= e["queue"].map(sl_seconds))
    ).astype(int)
    e["ans_wait"] = e["wait"].where(o == "answered")
    e["ans_talk"] = e["talk"].where(o == "answered")
    g = e.groupby(["queue", "date"], sort=True)
    counts = g[["offered", "answered", "abandoned", "short_abandoned", "timeout", "exit_empty",
                "exit_key", "withdrawn", "answered_within_sl"]].sum()
    df = counts.reset_index()
    df["service_level"] = _ratio(df["answered_within_sl"], df["offered"] - df["short_abandoned"])
    df["asterisk_service_level"] = _ratio(df["answered_within_sl"], df["answered"])
    df["asa_seconds"] = g["ans_wait"].mean().to_numpy()
    df["abandon_rate"] = _ratio(df["abandoned"], df["offered"])
    df["aht_seconds"] = g["ans_talk"].mean().to_numpy()
    df["max_wait_seconds"] = g["wait"].max().to_numpy()
    return df


def kpi_agent_daily(entries: pd.DataFrame, rna: pd.DataFrame) -> pd.DataFrame:
    ans = entries[entries["outcome"] == "answered"]
    g = ans.groupby(["agent_id", "date"], sort=True)
    handled = g.agg(calls_handled=("talk", "size"), talk_seconds=("talk", "sum"),
                    transfers=("transferred", "sum"))
    r = rna.groupby(["agent_id", "date"], sort=True).size().rename("ring_no_answer")
    df = handled.join(r, how="outer").reset_index()
    for col in ("calls_handled", "talk_seconds", "transfers", "ring_no_answer"):
        df[col] = df[col].fillna(0).astype(np.int64)
    df["aht_seconds"] = _ratio(df["talk_seconds"], df["calls_handled"])
    df = df.sort_values(["agent_id", "date"]).reset_index(drop=True)
    return df[["agent_id", "date", "calls_handled", "talk_seconds", "aht_seconds",
               "ring_no_answer", "transfers"]]


def days_ending(end: date, n: int) -> list[date]:
    return [end - timedelta(days=n - 1 - i) for i in range(n)]
