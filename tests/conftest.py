"""Shared fixtures: dbt runs against throw-away warehouses, never the developer's data/."""

import os
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
