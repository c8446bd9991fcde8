"""Shared fixtures: dbt runs against throw-away warehouses, never the developer's data/."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
FIXTURE_ZONE = PROJECT_DIR / "tests" / "fixtures" / "landing_minimal"
DBT = str(Path(sys.executable).with_name("dbt"))

# The generated zone the suite builds: small enough for CI, large enough for every quirk, fraud
# typology and bad-record kind to appear.
GENERATED_USERS = 2000
GENERATED_DAYS = 14
GENERATED_SEED = 11


def run_dbt(args: list[str], raw_root: Path, warehouse: Path, target_dir: Path) -> str:
    """Run dbt from the project with the landing zone and warehouse given; fail with its log."""
    env = {
        **os.environ,
        "RAW_ROOT": str(raw_root),
        "WAREHOUSE_PATH": str(warehouse),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    result = subprocess.run(
        [DBT, *args, "--target-path", str(target_dir), "--log-path", str(target_dir / "logs")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
        )
    return result.stdout


@pytest.fixture(scope="session")
def parsed_project(tmp_path_factory) -> Path:
    """A dbt target directory with the project parsed once (manifest.json, and the
    partial_parse.msgpack that lets a later dbt command with the same environment skip parsing)."""
    target = tmp_path_factory.mktemp("parsed")
    run_dbt(["parse"], FIXTURE_ZONE, target / "unused.duckdb", target)
    return target


def parsed_copy(parsed_project: Path, target: Path) -> Path:
    """A target directory for one dbt command that starts from the session's parse; the command
    must use parsed_project's environment (FIXTURE_ZONE, `parsed_project / "unused.duckdb"`)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(parsed_project / "partial_parse.msgpack", target / "partial_parse.msgpack")
    return target


@pytest.fixture(scope="session")
def minimal_warehouse(tmp_path_factory) -> Path:
    """The hand-made landing zone in tests/fixtures, built and tested by dbt."""
    workdir = tmp_path_factory.mktemp("minimal")
    warehouse = workdir / "warehouse.duckdb"
    run_dbt(["build"], FIXTURE_ZONE, warehouse, workdir / "target")
    return warehouse


@pytest.fixture(scope="session")
def generated_zone(tmp_path_factory) -> Path:
    from sample_data.generate import generate

    zone = tmp_path_factory.mktemp("generated") / "raw"
    generate(zone, users=GENERATED_USERS, days=GENERATED_DAYS, seed=GENERATED_SEED)
    return zone


@pytest.fixture(scope="session")
def generated_warehouse(generated_zone, tmp_path_factory) -> Path:
    """A full `dbt build` (seeds, models, data and unit tests) on the generated zone."""
    workdir = tmp_path_factory.mktemp("generated_build")
    warehouse = workdir / "warehouse.duckdb"
    run_dbt(["build"], generated_zone, warehouse, workdir / "target")
    return warehouse


def query(warehouse: Path, sql: str, parameters=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def columns_holding(warehouse: Path, condition, emails: list[str] | None = None) -> list[str]:
    """`schema.table.column` of every text column past the base layer (staging models, and the
    intermediate, marts and audit schemas) with a row where `condition(column)` (SQL) holds; one
    connection and one query per table. `emails` are offered to the condition as table `sample`."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute("create temp table sample (email varchar)")
        if emails:
            connection.executemany("insert into sample values (?)", [[e] for e in emails])
        tables: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in connection.execute(
            """
            select table_schema, table_name, column_name from information_schema.columns
            where data_type = 'VARCHAR' and (table_schema in ('intermediate', 'marts', 'audit')
                  or (table_schema = 'staging' and table_name like 'stg_%'))
            order by all
            """
        ).fetchall():
            tables.setdefault((schema, table), []).append(column)
        assert tables, "no text columns to check"
        offenders = []
        for (schema, table), columns in tables.items():
            counts = ", ".join(f"count(*) filter (where {condition(c)})" for c in columns)
            hits = connection.execute(f'select {counts} from "{schema}"."{table}"').fetchone()
            offenders += [f"{schema}.{table}.{c}" for c, n in zip(columns, hits, strict=True) if n]
    return offenders
