"""A full dbt build on a generated landing zone, scored against the generator's _truth/ and
against an independent reading of the landing files with Python's csv, json and pyarrow."""

import csv
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
from conftest import columns_holding, query

LANDED_TABLES = [
    "app/users",
    "events/app_events",
    "payments/payment_attempts",
    "payments/chargebacks",
    "payments/payouts",
    "trading/trades",
    "promotions/redemptions",
    "marketing/search_ads",
    "marketing/social_ads",
    "marketing/affiliate",
    "marketing/touchpoints",
    "support/tickets",
    "risk/decisions",
    "risk/case_outcomes",
    "reference/fx_rates",
]


def read_truth(zone: Path, name: str) -> list[dict]:
    with open(zone / "_truth" / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def count_records(path: Path) -> int:
    """Records in one delivered file, read the way its format's own library reads it."""
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return sum(1 for row in rows[1:] if row)


def test_every_table_balances_and_matches_an_independent_count(generated_zone, generated_warehouse):
    reconciliation = {
        row[0]: row[1:]
        for row in query(
            generated_warehouse,
            "select source_table, raw_rows, staged_rows, duplicate_rows, rejected_rows"
            " from audit.load_reconciliation",
        )
    }
    assert sorted(reconciliation) == sorted(LANDED_TABLES)
    for table in LANDED_TABLES:
        raw, staged, duplicates, rejected = reconciliation[table]
        assert raw == staged + duplicates + rejected, table
        files = sorted((generated_zone / table).glob("*.*"))
        assert raw == sum(count_records(f) for f in files), table
        assert staged > 0, table


def test_raw_rows_equal_the_generators_count(generated_zone, generated_warehouse):
    truth = {
        row["source_table"]: int(row["raw_rows"])
        for row in read_truth(generated_zone, "row_counts.csv")
    }
    counted = dict(
        query(generated_warehouse, "select source_table, raw_rows from audit.load_reconciliation")
    )
    assert counted == truth


def test_every_planted_bad_record_is_rejected_and_nothing_else(generated_zone, generated_warehouse):
    planted = Counter(
        (row["source_table"], row["batch"]) for row in read_truth(generated_zone, "bad_records.csv")
    )
    rejected = Counter(
        dict(
            ((table, batch), count)
            for table, batch, count in query(
                generated_warehouse,
                "select source_table, batch, count(*) from audit.rejected_records group by all",
            )
        )
    )
    assert {table for table, _ in planted} == set(LANDED_TABLES), (
        "the generator plants in every table"
    )
    assert rejected == planted


def test_rejection_reasons_match_what_was_planted(generated_zone, generated_warehouse):
    # Structural damage is reported as such; otherwise the planted reason is the first failing check.
    planted = Counter(
        (row["source_table"], row["reason"])
        for row in read_truth(generated_zone, "bad_records.csv")
    )
    rejected = Counter(
        dict(
            ((table, reason), count)
            for table, reason, count in query(
                generated_warehouse,
                "select source_table, reason, count(*) from audit.rejected_records group by all",
            )
        )
    )
    assert rejected == planted


def test_dim_users_counts_exactly_the_real_users(generated_zone, generated_warehouse):
    test_accounts = set()
    for path in (generated_zone / "app" / "users").glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if (row.get("email") or "").strip().lower().endswith("@qa.internal") and row.get(
                    "user_id"
                ):
                    test_accounts.add(row["user_id"].strip())
    truth_users = {row["user_id"] for row in read_truth(generated_zone, "users.csv")}
    real_users = truth_users - test_accounts
    assert test_accounts, "the generator plants test accounts"
    dim_users = {
        row[0] for row in query(generated_warehouse, "select user_id from marts.dim_users")
    }
    assert dim_users == real_users


def test_acquisition_channel_agrees_with_the_truth(generated_zone, generated_warehouse):
    truth = {row["user_id"]: row["channel"] for row in read_truth(generated_zone, "users.csv")}
    ours = dict(
        query(generated_warehouse, "select user_id, acquisition_channel from marts.dim_users")
    )
    agreeing = sum(1 for user, channel in ours.items() if truth.get(user) == channel)
    assert len(ours) > 0
    assert agreeing / len(ours) >= 0.98, f"{agreeing}/{len(ours)} users agree"


def test_staged_spend_matches_the_true_spend(generated_zone, generated_warehouse):
    truth = {
        (row["channel"], row["campaign_id"], row["report_date"]): float(row["spend_usd"])
        for row in read_truth(generated_zone, "spend.csv")
    }
    staged = {}
    for channel, model, key in [
        ("paid_search", "stg_marketing__search_ads", "campaign_id"),
        ("paid_social", "stg_marketing__social_ads", "campaign_id"),
        ("affiliate", "stg_marketing__affiliate", "partner_id"),
    ]:
        for campaign, day, spend in query(
            generated_warehouse,
            f"select {key}, report_date::varchar, spend_usd from staging.{model}",
        ):
            staged[(channel, campaign, day)] = float(spend)
    matching = sum(1 for key, spend in truth.items() if abs(staged.get(key, -1) - spend) <= 0.01)
    assert matching / len(truth) >= 0.995
    assert abs(sum(staged.values()) - sum(truth.values())) <= 0.01 * max(1, len(truth)) ** 0.5


def test_no_raw_email_past_staging(generated_zone, generated_warehouse):
    emails = set()
    for path in sorted((generated_zone / "app" / "users").glob("*.csv"))[:48]:
        with open(path, newline="", encoding="utf-8") as handle:
            emails |= {
                row["email"].strip().lower() for row in csv.DictReader(handle) if row.get("email")
            }
    sample = sorted(emails)[:50]
    assert sample
    offenders = columns_holding(
        generated_warehouse,
        lambda column: f'lower("{column}") in (select email from sample)',
        sample,
    )
    assert offenders == []
