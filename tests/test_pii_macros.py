"""Phone and email normalisation, run through dbt on hand-written cases."""

import json

import pytest
from conftest import FIXTURE_ZONE, run_dbt

PHONE_CASES = [
    # (as typed, calling code of the user's country, expected E.164)
    ("+44 7700 900123", "44", "+447700900123"),
    ("07700900123", "44", "+447700900123"),
    ("+44 (0) 7700 900123", "44", "+447700900123"),
    ("0044 7700 900123", "44", "+447700900123"),
    ("(415) 555-0100", "1", "+14155550100"),
    ("415.555.0100", "1", "+14155550100"),
    ("1-415-555-0100", "1", "+14155550100"),
    ("+1 415 555 0100", "44", "+14155550100"),
    ("030 1234567", "49", "+49301234567"),
    ("12345", "49", None),
    ("", "49", None),
    ("0301234567", None, None),
]

EMAIL_CASES = [
    (" Alice@Example.COM ", "alice@example.com"),
    ("bob @example.com", "bob@example.com"),
    ("   ", None),
]


def show(inline_sql: str, tmp_path) -> list[dict]:
    output = run_dbt(
        ["--quiet", "show", "--inline", inline_sql, "--output", "json", "--limit", "-1"],
        FIXTURE_ZONE,
        tmp_path / "unused.duckdb",
        tmp_path,
    )
    return json.loads(output)["show"]


def sql_literal(value):
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


@pytest.mark.parametrize("kind", ["phone", "email"])
def test_normalisation(kind, tmp_path):
    if kind == "phone":
        values = ", ".join(
            f"({i}, {sql_literal(p)}, {sql_literal(c)})" for i, (p, c, _) in enumerate(PHONE_CASES)
        )
        inline = (
            "select case_id, {{ normalise_phone('phone', 'calling_code') }} as normalised"
            f" from (values {values}) as cases(case_id, phone, calling_code) order by case_id"
        )
        expected = [e for _, _, e in PHONE_CASES]
    else:
        values = ", ".join(f"({i}, {sql_literal(e)})" for i, (e, _) in enumerate(EMAIL_CASES))
        inline = (
            "select case_id, {{ normalise_email('email') }} as normalised"
            f" from (values {values}) as cases(case_id, email) order by case_id"
        )
        expected = [e for _, e in EMAIL_CASES]
    rows = show(inline, tmp_path)
    assert [row["normalised"] for row in rows] == expected
