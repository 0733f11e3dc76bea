"""The SQL phone normalisation agrees with `phonenumbers`; identity and masking on tiny data."""

from __future__ import annotations

import re

import phonenumbers

from ccdw.db import connect
from ccdw.settings import Settings

EXTENSION = re.compile(r"^(.*\d{7,}.*?)(\s*(ext\.?|x|#|转)\s*|-)(\d{1,6})$", re.IGNORECASE)


def reference_e164(raw: str) -> str | None:
    """E.164 by the phonenumbers library (region CN), extension removed first."""
    main = EXTENSION.sub(r"\1", raw.strip())
    try:
        number = phonenumbers.parse(main, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_sql_normalisation_matches_phonenumbers(tiny_built: Settings) -> None:
    with connect(tiny_built, read_only=True) as con:
        rows = con.execute(
            "select phone_raw, phone_e164 from staging.base_raw__customer_versions where phone_raw is not null"
            " union all select phone2_raw, phone2_e164 from staging.base_raw__customer_versions"
            " where phone2_raw is not null"
        ).fetchall()
    assert len(rows) > 100
    mismatches = [(raw, sql) for raw, sql in rows if sql != reference_e164(raw)]
    assert not mismatches, mismatches[:10]


def test_customer_pii_is_masked_and_current_rows_unique(tiny_built: Settings) -> None:
    with connect(tiny_built, read_only=True) as con:
        masked = con.execute(
            "select phone_e164_masked, id_number_masked from marts.dim_customer"
            " where phone_e164_masked is not null and id_number_masked is not null"
        ).fetchall()
        [(customers, current)] = con.execute(
            "select (select count(*) from staging.stg_raw__customers),"
            " (select count(*) from marts.dim_customer where is_current)"
        ).fetchall()
        [(match_rate,)] = con.execute(
            "select sum(matched) * 1.0 / sum(with_caller_number) from marts.agg_identity_match"
        ).fetchall()
    assert masked
    assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", phone) for phone, _ in masked)
    assert all(re.fullmatch(r"\w{4}\*{10}\w{4}", id_number) for _, id_number in masked)
    assert customers == current
    assert 0 < match_rate <= 1
