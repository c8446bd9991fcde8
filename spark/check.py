"""`make spark-check`: build the project's Spark subset on a local Spark session and compare it
with DuckDB.

    .venv-spark/bin/python spark/check.py [--users 2000] [--days 5] [--seed 11]

1. generates a small landing zone (the repo's generator, run with the project venv's Python);
2. builds the selected models of the project with dbt-duckdb (`dbt build -s ...`);
3. builds the same models of the same project with dbt-spark (`--target spark`, `method:
   session`, local[2]): first the zone without its last delivery hour (--full-refresh), then with
   it (incremental: base models append only the new files), as a T+hours run does;
4. compares, table by table, the Spark result with DuckDB's: rows by delivery and rejection
   reason for every base model built (every landing reader format), and every column of the
   staging models and of marts.fct_ad_spend_daily.

Exits non-zero on any difference. Run with the Spark venv (dbt-spark[session], pyspark, duckdb).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The models built on both engines: every landing reader format (CSV, JSON lines, Parquet), the
# staging rules of users (PII), payments (FX) and the three ad feeds (restatements), and the
# BI-facing mart of paid media. The same files of models/ on both: adapter differences are
# dispatched (macros/spark/).
SELECT = [
    "+fct_ad_spend_daily",
    "+stg_app__users",
    "+stg_payments__payment_attempts",
    "base_events__app_events",
    "base_trading__trades",
]
BASE_MODELS = [
    "base_app__users",
    "base_payments__payment_attempts",
    "base_reference__fx_rates",
    "base_events__app_events",
    "base_trading__trades",
    "base_marketing__search_ads",
    "base_marketing__social_ads",
    "base_marketing__affiliate",
]
# Compared in every column (the column list is DuckDB's table)
FULL_COMPARES = [
    "staging.stg_app__users",
    "staging.stg_reference__fx_rates",
    "staging.stg_payments__payment_attempts",
    "staging.stg_marketing__search_ads",
    "staging.stg_marketing__social_ads",
    "staging.stg_marketing__affiliate",
    "marts.fct_ad_spend_daily",
]


def normalise(value):
    """One value as comparable text: timestamps in UTC to the microsecond, decimals exact."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value != 0 else "0"
    if isinstance(value, float):
        return repr(round(value, 9))
    return str(value)


def compare_rows(name: str, spark_rows, duck_rows, show: int = 3) -> list[str]:
    """Differences between two bags of rows (as multisets), described for the report."""
    from collections import Counter

    left = Counter(tuple(normalise(v) for v in r) for r in spark_rows)
    right = Counter(tuple(normalise(v) for v in r) for r in duck_rows)
    only_spark, only_duck = left - right, right - left
    if not only_spark and not only_duck:
        return []
    out = [
        f"{name}: {sum(only_spark.values())} row(s) only on Spark, "
        f"{sum(only_duck.values())} only on DuckDB (of {sum(left.values())} / "
        f"{sum(right.values())})"
    ]
    out += [f"    spark : {r}" for r in list(only_spark)[:show]]
    out += [f"    duckdb: {r}" for r in list(only_duck)[:show]]
    return out


def run(cmd: list[str], env: dict, what: str) -> None:
    print(f"== {what}", flush=True)
    start = time.perf_counter()
    res = subprocess.run(cmd, env=env, cwd=REPO)
    if res.returncode != 0:
        raise SystemExit(f"{what} failed ({res.returncode})")
    print(f"   {what}: {time.perf_counter() - start:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--days", type=int, default=5)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--work", type=Path, default=REPO / "data" / "spark")
    p.add_argument(
        "--duckdb-python",
        default=str(REPO / ".venv" / "bin" / "python"),
        help="the project venv's Python (generator and dbt-duckdb)",
    )
    a = p.parse_args(argv)
    os.environ["TZ"] = "UTC"
    time.tzset()
    work = a.work.resolve()
    raw, held = work / "raw", work / "held_back"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        {
            "RAW_ROOT": str(raw),
            "WAREHOUSE_PATH": str(work / "duckdb.duckdb"),
            "SPARK_WAREHOUSE_DIR": str(work / "warehouse"),
            "SPARK_TARGET_PATH": str(work / "target"),
            "DBT_PROFILES_DIR": str(REPO),
        }
    )
    env.pop("DBT_TARGET", None)

    # 1. a small zone
    run(
        [
            a.duckdb_python,
            "-m",
            "sample_data.generate",
            "--out",
            str(raw),
            "--users",
            str(a.users),
            "--days",
            str(a.days),
            "--seed",
            str(a.seed),
            "--quiet",
        ],
        env,
        "generate",
    )

    # 2. DuckDB: the real project
    duck_dbt = str(Path(a.duckdb_python).parent / "dbt")
    run(
        [
            duck_dbt,
            "build",
            "--full-refresh",
            "--indirect-selection",
            "cautious",
            "--select",
            *SELECT,
            "--target-path",
            str(work / "duckdb_target"),
            "--log-path",
            str(work / "duckdb_target" / "logs"),
        ],
        env,
        "dbt-duckdb build",
    )

    # 3. Spark: all but the last delivery hour, then a T+hours run with it
    files = sorted(p for p in raw.rglob("*.*") if "_truth" not in p.parts)
    last = max(p.stem for p in files if len(p.stem) == 13 and p.stem[10] == "T")
    last_files = [p for p in files if p.stem == last]
    for f in last_files:
        dest = held / f.relative_to(raw)
        dest.parent.mkdir(parents=True, exist_ok=True)
        f.replace(dest)
    from dbt.cli.main import dbtRunner

    spark_env = {
        "RAW_ROOT": str(raw),
        "SPARK_WAREHOUSE_DIR": str(work / "warehouse"),
        "SPARK_TARGET_PATH": str(work / "target"),
    }
    os.environ.update(spark_env)
    os.chdir(work)  # the Hive metastore (Derby) and spark-warehouse land here
    dbt = dbtRunner()
    common = [
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        str(REPO),
        "--target",
        "spark",
        "--select",
        *SELECT,
        "--indirect-selection",
        "cautious",
        # unit tests pin DuckDB behaviour with DuckDB-typed fixtures; the data tests run on both
        "--exclude-resource-type",
        "unit_test",
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "target" / "logs"),
    ]
    for label, extra in (
        ("dbt-spark build, zone without its last hour (--full-refresh)", ["--full-refresh"]),
        (f"dbt-spark build, T+hours: delivery {last} landed (incremental)", []),
    ):
        if not extra:
            for f in last_files:
                (held / f.relative_to(raw)).replace(f)
        print(f"== {label}", flush=True)
        start = time.perf_counter()
        res = dbt.invoke(["build", *extra, *common])
        if not res.success:
            raise SystemExit(f"{label} failed")
        print(f"   {time.perf_counter() - start:.1f} s", flush=True)

    # 4. compare
    import duckdb
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    con = duckdb.connect(str(work / "duckdb.duckdb"), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    problems: list[str] = []
    checked = []
    for model in BASE_MODELS:
        query = f"select _batch, coalesce(_reject_reason, 'ok'), count(*) from staging.{model} group by 1, 2"
        s_rows = [tuple(r) for r in spark.sql(query).collect()]
        d_rows = con.execute(query).fetchall()
        problems += compare_rows(model + " (rows by delivery and reason)", s_rows, d_rows)
        checked.append(f"{model}: {sum(r[2] for r in d_rows)} rows")
    for relation in FULL_COMPARES:
        columns = [
            c for (c,) in con.execute(f"select column_name from (describe {relation})").fetchall()
        ]
        cols = ", ".join(columns)
        s_rows = [tuple(r) for r in spark.sql(f"select {cols} from {relation}").collect()]
        d_rows = con.execute(f"select {cols} from {relation}").fetchall()
        problems += compare_rows(relation, s_rows, d_rows)
        checked.append(f"{relation}: {len(d_rows)} rows x {len(columns)} columns")
    print("== compared with DuckDB:")
    for line in checked:
        print("   " + line)
    if problems:
        print("\n".join(problems))
        print(f"spark-check: {len(problems)} difference(s)")
        return 1
    print("spark-check: Spark and DuckDB agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
