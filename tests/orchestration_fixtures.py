"""Fixtures of the orchestration tests (imported by tests/test_orchestration_*.py).

The Dagster code location reads the dbt manifest; the tests parse it once per session into a
target directory of their own and point every run at throw-away warehouses, never data/.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR

PYTHON = sys.executable


@pytest.fixture(scope="session")
def dbt_target(parsed_project) -> Path:
    """A dbt target directory holding a freshly parsed manifest (the session's one parse)."""
    return parsed_project


@pytest.fixture
def orchestration_paths(tmp_path, monkeypatch) -> Path:
    """Paths of one orchestration test: its own warehouse, serving copy, lock, outbox."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SERVING_PATH", str(tmp_path / "serving" / "serving.duckdb"))
    monkeypatch.setenv("REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("NOTIFICATION_OUTBOX", str(tmp_path / "outbox.jsonl"))
    monkeypatch.delenv("WAREHOUSE_LOCK_PATH", raising=False)
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path


@pytest.fixture
def orchestration_env(orchestration_paths, dbt_target, monkeypatch) -> Path:
    """orchestration_paths, and the session's parsed manifest for Dagster to load."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(dbt_target))
    return orchestration_paths


@pytest.fixture(scope="session")
def definitions(dbt_target):
    """The code location's Definitions, loaded once."""
    previous = os.environ.get("DBT_TARGET_PATH")
    os.environ["DBT_TARGET_PATH"] = str(dbt_target)
    try:
        from orchestration.definitions import defs

        return defs
    finally:
        if previous is None:
            os.environ.pop("DBT_TARGET_PATH", None)
        else:
            os.environ["DBT_TARGET_PATH"] = previous


def write_tables(path: Path, tables: dict[str, str]) -> None:
    """A small DuckDB file: {"schema.table": "select ..."}."""
    with duckdb.connect(str(path)) as connection:
        for name, select in tables.items():
            schema, _ = name.split(".")
            connection.execute(f"create schema if not exists {schema}")
            connection.execute(f"create or replace table {name} as {select}")


def start_cli(command: str, environment: dict, log: Path, *options: str) -> subprocess.Popen:
    """`python -m orchestration.cli <command>` in its own process group (killable as a whole)."""
    handle = log.open("w")
    return subprocess.Popen(
        [PYTHON, "-m", "orchestration.cli", command, *options],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(condition, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def children_named(pid: int, name: str) -> list[int]:
    """Descendant processes of `pid` whose command line mentions `name` (Linux /proc)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(status.rsplit(")", 1)[1].split()[1]) == parent:
                frontier.append(int(entry.name))
                if name in command:
                    found.append(int(entry.name))
    return found


def copy_zone_files(files: list[Path], zone: Path, destination: Path) -> None:
    for path in files:
        target = destination / path.relative_to(zone)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


# A BI client, as the checks describe one: every 100 ms it opens the serving copy through
# SQLAlchemy (duckdb-engine, read-only, no pooling) and counts the rows of every mart. It records
# any error, any mart that became empty after having rows, and how often each mart read empty (a
# mart with nothing to report yet, such as the risk model's before its first champion, still says
# so in a row); it stops when `stop` exists.
BI_READER = """
import json, sys, time
from pathlib import Path
from sqlalchemy import text
sys.path.insert(0, sys.argv[4])
from orchestration.serving import serving_engine

serving, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
engine = serving_engine(serving)
queries, errors, had_rows, empty = 0, [], {}, {}
while not stop.exists():
    try:
        with engine.connect() as connection:
            marts = connection.execute(text(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            )).scalars().all()
            if not marts:
                errors.append("no mart in the serving copy")
            for mart in marts:
                rows = connection.execute(text(f'select count(*) from marts."{mart}"')).scalar()
                if rows == 0:
                    empty[mart] = empty.get(mart, 0) + 1
                    if had_rows.get(mart):
                        errors.append(f"marts.{mart} became empty")
                had_rows[mart] = had_rows.get(mart) or rows > 0
        queries += 1
    except Exception as error:
        errors.append(repr(error)[:300])
    time.sleep(0.1)
out.write_text(
    json.dumps({"queries": queries, "errors": errors, "marts": len(had_rows), "empty": empty})
)
"""


def start_bi_reader(serving: Path, workdir: Path) -> tuple[subprocess.Popen, Path, Path]:
    stop, out = workdir / "reader.stop", workdir / "reader.json"
    process = subprocess.Popen(
        [PYTHON, "-c", BI_READER, str(serving), str(stop), str(out), str(PROJECT_DIR)],
        cwd=PROJECT_DIR,
    )
    return process, stop, out
