"""The KPI marts reproduce the generator's truth files (counts exact, seconds within 0.5 s)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from ccdw.db import connect
from ccdw.settings import Settings

QUEUE_COUNTS = (
    "offered", "answered", "abandoned", "short_abandoned", "timeout", "exit_empty",
    "exit_key", "withdrawn", "answered_within_sl",
)
QUEUE_SECONDS = ("asa_seconds", "aht_seconds", "max_wait_seconds")
QUEUE_RATES = ("service_level", "asterisk_service_level", "abandon_rate")
AGENT_COUNTS = ("calls_handled", "ring_no_answer", "transfers")
AGENT_SECONDS = ("talk_seconds", "aht_seconds")


def _same(expected: object, actual: object, tolerance: float) -> bool:
    exp_missing = expected is None or (isinstance(expected, float) and math.isnan(expected))
    act_missing = actual is None or (isinstance(actual, float) and math.isnan(actual))
    if exp_missing or act_missing:
        return exp_missing and act_missing
    return abs(float(expected) - float(actual)) <= tolerance  # type: ignore[arg-type]


def _compare(truth: pd.DataFrame, marts: pd.DataFrame, keys: list[str], exact: tuple[str, ...],
             seconds: tuple[str, ...], rates: tuple[str, ...] = ()) -> list[str]:
    merged = truth.merge(marts, on=keys, how="outer", suffixes=("_truth", "_mart"), indicator=True)
    problems = [
        f"{side} only: {dict(row[keys])}"
        for side, flag in (("truth", "left_only"), ("marts", "right_only"))
        for _, row in merged[merged["_merge"] == flag].iterrows()
    ]
    both = merged[merged["_merge"] == "both"]
    for column, tolerance in [*((c, 0.0) for c in exact), *((c, 0.5) for c in seconds),
                              *((c, 1e-6) for c in rates)]:
        for _, row in both.iterrows():
            if not _same(row[f"{column}_truth"], row[f"{column}_mart"], tolerance):
                problems.append(
                    f"{column} at {dict(row[keys])}: truth {row[f'{column}_truth']} "
                    f"!= marts {row[f'{column}_mart']}"
                )
    return problems


def _truth(data: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(data / "truth" / name, dtype={"queue": str, "agent_id": str})
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def _marts(settings: Settings, sql: str) -> pd.DataFrame:
    with connect(settings, read_only=True) as con:
        frame = con.execute(sql).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def test_agg_queue_daily_equals_truth(tiny_data: Path, tiny_built: Settings) -> None:
    truth = _truth(tiny_data, "queue_daily.csv")
    marts = _marts(tiny_built, "select * exclude (center_id, unknown) from marts.agg_queue_daily")
    assert len(truth) > 0
    problems = _compare(truth, marts, ["queue", "date"], QUEUE_COUNTS, QUEUE_SECONDS, QUEUE_RATES)
    assert not problems, "\n".join(problems[:20])


def test_agg_agent_daily_equals_truth(tiny_data: Path, tiny_built: Settings) -> None:
    truth = _truth(tiny_data, "agent_daily.csv")
    # The truth has rows only for agent-days with a CONNECT or a RINGNOANSWER; the mart also
    # has presence-only days (logged in, no calls).
    marts = _marts(
        tiny_built,
        "select agent_id, date, calls_handled, talk_seconds, aht_seconds, ring_no_answer,"
        " transfers from marts.agg_agent_daily where calls_handled > 0 or ring_no_answer > 0",
    )
    assert len(truth) > 0
    problems = _compare(truth, marts, ["agent_id", "date"], AGENT_COUNTS, AGENT_SECONDS)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.slow
def test_small_scale_equals_truth(tmp_path: Path) -> None:
    """The same comparison on `small` (≈50k queue calls): run with `pytest -m slow`."""
    from ccdw.generate import generate
    from ccdw.warehouse import build
    from ingest.run import ingest_landing

    data = tmp_path / "small"
    generate(data, scale="small", seed=11)
    settings = Settings(home=tmp_path / "home")
    ingest_landing(data, settings=settings)
    build(settings, publish_copy=False)
    queue_problems = _compare(
        _truth(data, "queue_daily.csv"),
        _marts(settings, "select * exclude (center_id, unknown) from marts.agg_queue_daily"),
        ["queue", "date"], QUEUE_COUNTS, QUEUE_SECONDS, QUEUE_RATES,
    )
    agent_problems = _compare(
        _truth(data, "agent_daily.csv"),
        _marts(settings, "select agent_id, date, calls_handled, talk_seconds, aht_seconds,"
               " ring_no_answer, transfers from marts.agg_agent_daily"
               " where calls_handled > 0 or ring_no_answer > 0"),
        ["agent_id", "date"], AGENT_COUNTS, AGENT_SECONDS,
    )
    assert not queue_problems + agent_problems, "\n".join((queue_problems + agent_problems)[:20])
