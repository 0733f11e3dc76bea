"""Independent readers for the generated files (no generator code): what a consumer sees."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd


def split_cdr_line(line: str) -> list[tuple[str, bool]]:
    """Split one cdr_csv line into (value, was_quoted) pairs, honouring doubled quotes."""
    fields: list[tuple[str, bool]] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            i += 1
            buf = []
            while True:
                j = line.index('"', i)
                buf.append(line[i:j])
                if j + 1 < n and line[j + 1] == '"':
                    buf.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
            fields.append(("".join(buf), True))
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            fields.append((line[i:j], False))
            i = j
        if i >= n:
            return fields
        assert line[i] == ",", f"garbage after field at {i}: {line!r}"
        i += 1


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def queue_log(landing: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((landing / "queue_log").iterdir()):
        for line in read_text(path).splitlines():
            parts = line.split("|")
            rows.append(parts[:5] + [parts[5:]])
    df = pd.DataFrame(rows, columns=["epoch", "callid", "queuename", "agent", "event", "data"])
    df["epoch"] = df["epoch"].astype(int)
    return df


def master_cdrs(landing: Path, pattern: str = "Master-*.csv") -> pd.DataFrame:
    names = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
             "lastdata", "start", "answer", "end", "duration", "billsec", "disposition",
             "amaflags", "uniqueid", "userfield", "peeraccount", "linkedid", "sequence"]
    frames = []
    for path in sorted((landing / "cdr").glob(pattern)):
        rows = list(csv.reader(io.StringIO(read_text(path))))
        frames.append(pd.DataFrame(rows, columns=names[: len(rows[0])]).assign(file=path.name))
    return pd.concat(frames, ignore_index=True)


def entries_from_queue_log(ql: pd.DataFrame) -> pd.DataFrame:
    """One row per ENTERQUEUE with its outcome, wait and talk, derived from the log alone."""
    terminal = {"CONNECT", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"}
    ends = {"COMPLETECALLER", "COMPLETEAGENT", "BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER"}
    state: dict[tuple[str, str], dict[str, object]] = {}
    out = []
    for r in ql.itertuples(index=False):
        key = (r.callid, r.queuename)
        if r.event == "ENTERQUEUE":
            state[key] = {"queue": r.queuename, "callid": r.callid, "enter": r.epoch,
                          "outcome": None, "wait": None, "talk": None, "agent": None, "rna": 0,
                          "transferred": 0}
            out.append(state[key])
        elif key in state:
            e = state[key]
            if r.event == "RINGNOANSWER":
                e["rna"] = int(e["rna"]) + 1
            elif r.event in terminal and e["outcome"] is None:
                if r.event == "CONNECT":
                    e["outcome"], e["wait"], e["agent"] = "answered", int(r.data[0]), r.agent
                else:
                    e["outcome"] = {"ABANDON": "abandoned", "EXITWITHTIMEOUT": "timeout",
                                    "EXITEMPTY": "exit_empty", "EXITWITHKEY": "exit_key"}[r.event]
                    e["wait"] = int(r.data[-1])
            elif r.event in ends:
                calltime = int(r.data[3] if r.event in ("BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER") else r.data[1])
                e["talk"] = calltime
                e["transferred"] = int(r.event != "COMPLETECALLER" and r.event != "COMPLETEAGENT")
    return pd.DataFrame(out)
