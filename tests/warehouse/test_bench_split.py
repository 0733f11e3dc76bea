"""The warehouse benchmark's layout of generated data: a history window, then one more day."""

from __future__ import annotations

from pathlib import Path

from ccdw.bench.warehouse import split_last_day


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _landing(root: Path) -> Path:
    data = root / "data"
    for day in ("20261101", "20261127", "20261128", "20261129"):
        _write(data / "queue_log" / f"queue_log-{day}", f"{day}|call|q|NONE|ENTERQUEUE||\n")
    _write(
        data / "transactions" / "transactions-202611.csv",
        "txn_id,booked_at,amount\n"
        "T1,2026-11-01 09:00:00,1\n"
        "T2,2026-11-28 09:00:00,2\n"
        "T3,2026-11-29 09:00:00,3\n",
    )
    _write(
        data / "customers" / "customers.csv",
        "customer_id,updated_at\nC1,2020-01-01 00:00:00\nC2,2026-11-29 08:00:00\n",
    )
    _write(data / "premiums" / "premiums.csv", "policy_id,due_date\nP1,2026-11-29\n")
    return data


def test_window_and_last_day(tmp_path: Path) -> None:
    split = split_last_day(_landing(tmp_path), tmp_path / "work", history_days=2)

    assert split.day == "2026-11-29"
    assert split.first_day == "2026-11-27"
    first_logs = sorted(p.name for p in (split.first / "queue_log").iterdir())
    assert first_logs == ["queue_log-20261127", "queue_log-20261128"]  # 11-01 left out
    assert [p.name for p in (split.last_day / "queue_log").iterdir()] == ["queue_log-20261129"]

    kept = (split.first / "transactions" / "transactions-202611.csv").read_text().splitlines()
    assert kept == ["txn_id,booked_at,amount", "T2,2026-11-28 09:00:00,2"]
    moved = (split.last_day / "transactions" / "transactions-202611-20261129.csv").read_text().splitlines()
    assert moved == ["txn_id,booked_at,amount", "T3,2026-11-29 09:00:00,3"]
    assert split.rows_left_out == {"transactions": 1}

    # a CRM snapshot keeps its old rows whatever their age; the last day's change is a delta
    customers = (split.first / "customers" / "customers.csv").read_text().splitlines()
    assert customers == ["customer_id,updated_at", "C1,2020-01-01 00:00:00"]
    delta = (split.last_day / "customers" / "customers-20261129.csv").read_text().splitlines()
    assert delta == ["customer_id,updated_at", "C2,2026-11-29 08:00:00"]
    assert split.rows_moved == {"transactions": 1, "customers": 1}

    # other snapshots stay whole in the first landing
    assert (split.first / "premiums" / "premiums.csv").exists()
    assert not (split.last_day / "premiums").exists()


def test_every_day_without_a_window(tmp_path: Path) -> None:
    split = split_last_day(_landing(tmp_path), tmp_path / "work", history_days=None)

    assert split.first_day is None
    assert len(list((split.first / "queue_log").iterdir())) == 3
    kept = (split.first / "transactions" / "transactions-202611.csv").read_text().splitlines()
    assert len(kept) == 3  # header, T1, T2
    assert split.rows_left_out == {}
