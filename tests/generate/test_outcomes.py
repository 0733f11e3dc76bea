"""simulate_dial_outcomes: one outbound CDR per member, member_id in userfield."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from ccdw.errors import CcdwError
from ccdw.generate.outcomes import simulate_dial_outcomes

from .helpers import master_cdrs, read_text, split_cdr_line


def members(n: int) -> pd.DataFrame:
    phones = [f"+86139{i:08d}" for i in range(n)]
    phones[0] = "+862087654321"
    phones[1] = "not-a-number"
    return pd.DataFrame({"member_id": [f"M{i:05d}" for i in range(n)], "phone_e164": phones,
                         "campaign_id": "renewal"})


def test_one_cdr_per_member(tmp_path: Path) -> None:
    m = members(400)
    path = simulate_dial_outcomes(m, tmp_path, seed=5, when=datetime(2026, 11, 30, 10, 0))
    assert path.parent == tmp_path / "cdr" and path.is_file()
    cdr = master_cdrs(tmp_path, path.name)
    assert sorted(cdr["userfield"]) == sorted(m["member_id"])
    assert cdr["uniqueid"].is_unique
    mix = cdr["disposition"].value_counts(normalize=True)
    assert set(mix.index) == {"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"}
    assert 0.3 < mix["ANSWERED"] < 0.6
    by_member = cdr.set_index("userfield")
    assert by_member.loc["M00001", "disposition"] == "FAILED"  # not an E.164 number
    assert by_member.loc["M00000", "dst"] == "02087654321"
    assert by_member.loc["M00002", "dst"] == "13900000002"
    for line in read_text(path).splitlines():
        fields = split_cdr_line(line)
        assert len(fields) == 21
        if fields[14][0] != "ANSWERED":
            assert fields[10] == ("", False)
    again = simulate_dial_outcomes(m, tmp_path / "again", seed=5, when=datetime(2026, 11, 30, 10, 0))
    assert again.read_bytes() == path.read_bytes()


def test_missing_columns_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(CcdwError, match="members lack column"):
        simulate_dial_outcomes(pd.DataFrame({"member_id": ["x"]}), tmp_path, 1, datetime(2026, 1, 1))
