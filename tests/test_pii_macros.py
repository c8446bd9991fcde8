"""Phone and email normalisation, run through dbt on hand-written cases."""

import json

import pytest
from conftest import FIXTURE_ZONE, parsed_copy, run_dbt

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


def sql_literal(value):
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def normalised(parsed_project, tmp_path_factory) -> dict[str, list]:
    """Every case through the macros in one `dbt show` (a dbt command costs seconds, the cases
    nothing), started from the session's parse: {"phone": [...], "email": [...]} in case order."""
    phones = ", ".join(
        f"({i}, {sql_literal(p)}, {sql_literal(c)})" for i, (p, c, _) in enumerate(PHONE_CASES)
    )
    emails = ", ".join(f"({i}, {sql_literal(e)})" for i, (e, _) in enumerate(EMAIL_CASES))
    inline = (
        "select 'phone' as kind, case_id, {{ normalise_phone('phone', 'calling_code') }} as normalised"
        f" from (values {phones}) as cases(case_id, phone, calling_code)"
        " union all"
        " select 'email' as kind, case_id, {{ normalise_email('email') }} as normalised"
        f" from (values {emails}) as cases(case_id, email)"
        " order by kind, case_id"
    )
    target = parsed_copy(parsed_project, tmp_path_factory.mktemp("pii_show"))
    output = run_dbt(
        ["--quiet", "show", "--inline", inline, "--output", "json", "--limit", "-1"],
        FIXTURE_ZONE,
        parsed_project / "unused.duckdb",
        target,
    )
    rows = json.loads(output)["show"]
    return {
        kind: [row["normalised"] for row in rows if row["kind"] == kind]
        for kind in ("phone", "email")
    }


def test_phone_normalisation(normalised):
    assert normalised["phone"] == [expected for _, _, expected in PHONE_CASES]


def test_email_normalisation(normalised):
    assert normalised["email"] == [expected for _, expected in EMAIL_CASES]
