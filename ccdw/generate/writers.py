"""File writers: Asterisk ``cdr_csv`` rows, ``queue_log`` lines and CRM CSV variants.

All writes are write-then-rename (``<name>.part`` then ``os.replace``) so a reader never sees
half a file, and byte-deterministic (gzip with ``mtime=0`` and no embedded name).
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

CDR_STRING_COLUMNS_18 = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata",
)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def _quote(arr: pa.Array) -> pa.Array:
    """cdr_csv quoting: the value in double quotes, inner quotes doubled; null → ``""``."""
    arr = pc.fill_null(arr.cast(pa.string()), "")
    arr = pc.replace_substring(arr, '"', '""')
    return pc.binary_join_element_wise('"', arr, '"', "")


def _ts_text(values: pd.Series) -> pa.Array:
    """Naive timestamps as ``YYYY-MM-DD HH:MM:SS`` (null stays null)."""
    return pa.array(values.dt.strftime("%Y-%m-%d %H:%M:%S"), type=pa.string())


def cdr_lines(df: pd.DataFrame, n_columns: int) -> bytes:
    """Render CDRs as cdr_csv writes them (no header).

    ``df`` has the contract columns; ``start``/``answer``/``end`` are naive local datetimes
    (``answer`` NaT when not answered). Strings are quoted, numbers unquoted, and an
    unanswered call's ``answer`` is the empty *unquoted* field, exactly like Asterisk.
    """
    if df.empty:
        return b""
    parts: list[pa.Array] = [_quote(pa.array(df[c].astype(str), pa.string())) for c in
                             CDR_STRING_COLUMNS_18]
    parts.append(_quote(_ts_text(df["start"])))
    answer = _ts_text(df["answer"])
    parts.append(pc.if_else(pc.is_null(answer), "", _quote(answer)))
    parts.append(_quote(_ts_text(df["end"])))
    parts.append(pa.array(df["duration"].astype(np.int64)).cast(pa.string()))
    parts.append(pa.array(df["billsec"].astype(np.int64)).cast(pa.string()))
    parts.append(_quote(pa.array(df["disposition"], pa.string())))
    parts.append(_quote(pa.array(df["amaflags"], pa.string())))
    if n_columns >= 17:
        parts.append(_quote(pa.array(df["uniqueid"], pa.string())))
    if n_columns >= 18:
        parts.append(_quote(pa.array(df["userfield"].astype(str), pa.string())))
    if n_columns >= 21:
        parts.append(_quote(pa.array(df["peeraccount"].astype(str), pa.string())))
        parts.append(_quote(pa.array(df["linkedid"], pa.string())))
        parts.append(pa.array(df["sequence"].astype(np.int64)).cast(pa.string()))
    line = pc.binary_join_element_wise(*parts, ",")
    return _join_lines(line, "\n")


def queue_log_lines(df: pd.DataFrame) -> bytes:
    """``epoch|callid|queuename|agent|event|data...``; trailing empty data fields are dropped
    except that an event without data still ends in ``|`` (as Asterisk writes it)."""
    if df.empty:
        return b""
    head = pc.binary_join_element_wise(
        pa.array(df["epoch"].astype(np.int64)).cast(pa.string()),
        pa.array(df["callid"], pa.string()),
        pa.array(df["queuename"], pa.string()),
        pa.array(df["agent"], pa.string()),
        pa.array(df["event"], pa.string()),
        "|",
    )
    data = pc.binary_join_element_wise(
        *[pa.array(df[f"data{i}"].fillna("").astype(str), pa.string()) for i in range(1, 6)],
        "|",
    )
    data = pc.utf8_rtrim(data, "|")
    line = pc.binary_join_element_wise(head, data, "|")
    return _join_lines(line, "\n")


def _join_lines(line: pa.Array, eol: str) -> bytes:
    """Concatenate string values, each followed by ``eol``, straight from the Arrow buffer."""
    if len(line) == 0:
        return b""
    with_eol = pc.binary_join_element_wise(line, pa.scalar(""), eol)
    if isinstance(with_eol, pa.ChunkedArray):
        with_eol = with_eol.combine_chunks()
    with_eol = with_eol.cast(pa.large_string())
    offsets = np.frombuffer(with_eol.buffers()[1], dtype=np.int64)[with_eol.offset:]
    data = with_eol.buffers()[2]
    return data.to_pybytes()[offsets[0]:offsets[len(with_eol)]]


@dataclass(frozen=True)
class CsvVariant:
    """How a CRM export deviates from plain UTF-8/LF (every deviation the contract allows)."""

    encoding: str = "utf-8"  # "utf-8", "utf-8-sig" (BOM) or "gb18030"
    crlf: bool = False
    gzip: bool = False
    shuffle_columns: bool = False
    extra_columns: tuple[tuple[str, str], ...] = ()  # (name, constant-ish value prefix)


def crm_csv_bytes(df: pd.DataFrame, variant: CsvVariant, rng: np.random.Generator) -> bytes:
    """A CSV with header (pyarrow writer: strings quoted, nulls empty)."""
    table = df.copy()
    for name, prefix in variant.extra_columns:
        table[name] = [f"{prefix}{i:06d}" for i in range(len(table))]
    columns: Sequence[str] = list(table.columns)
    if variant.shuffle_columns:
        columns = [columns[i] for i in rng.permutation(len(columns))]
    table = table[list(columns)]
    for col in table.columns:
        dtype = table[col].dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "M":
            table[col] = table[col].astype("datetime64[s]")  # no ".000000" in exports
    buf = io.BytesIO()
    pacsv.write_csv(pa.Table.from_pandas(table, preserve_index=False), buf)
    data = buf.getvalue()
    if variant.crlf:
        data = data.replace(b"\n", b"\r\n")
    if variant.encoding != "utf-8":
        text = data.decode("utf-8")
        data = text.encode(variant.encoding)
    if variant.gzip:
        data = gzip_bytes(data)
    return data


def write_crm(path: Path, df: pd.DataFrame, variant: CsvVariant | None = None,
              rng: np.random.Generator | None = None) -> int:
    variant = variant or CsvVariant()
    rng = rng or np.random.default_rng(0)
    atomic_write_bytes(path, crm_csv_bytes(df, variant, rng))
    return len(df)


def write_big_csv(path: Path, table: pa.Table) -> None:
    """Large CRM feed (transactions) straight to disk with pyarrow's CSV writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    pacsv.write_csv(table, str(tmp))
    os.replace(tmp, path)


def date_column(values: np.ndarray) -> pd.Series:
    """A DATE column (written ``YYYY-MM-DD``) from datetime64 values; NaT stays empty."""
    days = np.asarray(values).astype("datetime64[D]")
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(days, pa.date32())))


def money_array(cents: np.ndarray) -> pa.Array:
    """DECIMAL(18,2) from integer cents without float rounding (two's-complement int128)."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [None, pa.py_buffer(words.tobytes())])
