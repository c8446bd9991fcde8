"""The serving copy is swapped atomically: a BI client reading through SQLAlchemy (duckdb-engine)
during publications never fails, never sees an empty or half-published mart, and a publication
that dies leaves the last good copy in place."""

import os
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest
from conftest import PROJECT_DIR
from orchestration_fixtures import (  # noqa: F401 (fixtures)
    dbt_target,
    orchestration_env,
    orchestration_paths,
    write_tables,
)
from sqlalchemy import text

from orchestration import serving


def version_tables(version: int) -> dict[str, str]:
    """Two marts whose row counts and contents depend on the version: a reader can tell a
    half-published or mixed copy from a complete one."""
    rows = 20_000 + 1_000 * version
    return {
        "marts.orders": f"select range as order_id, {version} as version from range({rows})",
        "marts.order_totals": f"select {version} as version, {rows} as orders",
        "audit.load_reconciliation": f"select 'app/users' as source_table, {rows} as raw_rows",
        "staging.not_served": "select 1 as x",
    }


def test_serving_copy_holds_marts_and_audit_only(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_tables(warehouse, version_tables(1))
    rows = serving.publish(warehouse, tmp_path / "serving.duckdb", run_id="r1")
    assert rows == {
        "audit.load_reconciliation": 1,
        "marts.order_totals": 1,
        "marts.orders": 21_000,
    }
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as connection:
        assert connection.execute("select _run_id from main.serving_info").fetchone() == ("r1",)
    assert serving.published_at(tmp_path / "serving.duckdb") is not None
    # Only the project's current models: a table a removed model left behind is not served.
    rows = serving.publish(warehouse, tmp_path / "serving.duckdb", only={"marts.orders"})
    assert rows == {"marts.orders": 21_000}


def test_a_bi_reader_sees_whole_publications_only(tmp_path):
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "serving" / "serving.duckdb"
    write_tables(warehouse, version_tables(0))
    serving.publish(warehouse, target)
    engine = serving.serving_engine(target)  # how a BI tool should connect
    seen, errors, stop = set(), [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                with engine.connect() as connection:
                    orders, low, high = connection.execute(
                        text("select count(*), min(version), max(version) from marts.orders")
                    ).one()
                    version, expected = connection.execute(
                        text("select version, orders from marts.order_totals")
                    ).one()
                if not (low == high == version and orders == expected > 0):
                    errors.append(f"inconsistent copy: {orders} {low} {high} {version} {expected}")
                seen.add(version)
            except Exception as error:  # noqa: BLE001 (any failure is the finding)
                errors.append(repr(error))
            time.sleep(0.005)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for version in range(1, 16):
            write_tables(warehouse, version_tables(version))
            serving.publish(warehouse, target)
            time.sleep(0.02)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert len(seen) > 5  # the readers did see publications come and go
    assert list(target.parent.glob("*_publishing_*")) == []


def test_a_failed_publication_keeps_the_last_good_copy(tmp_path, monkeypatch):
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    write_tables(warehouse, version_tables(1))
    serving.publish(warehouse, target)
    write_tables(warehouse, version_tables(2))

    def broken_copy(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(serving, "_copy", broken_copy)
    with pytest.raises(RuntimeError, match="disk full"):
        serving.publish(warehouse, target)
    with duckdb.connect(str(target), read_only=True) as connection:
        assert connection.execute("select version from marts.order_totals").fetchone() == (1,)
    assert list(tmp_path.glob("*_publishing_*")) == []


KILLED_PUBLISH = """
import sys
from pathlib import Path
from orchestration import serving
print("publishing", flush=True)
serving.publish(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def test_a_publication_killed_mid_way_leaves_the_copy_and_the_next_one_recovers(tmp_path):
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    write_tables(warehouse, version_tables(1))
    serving.publish(warehouse, target)
    big = version_tables(2)
    big["marts.orders"] = "select range as order_id, 2 as version from range(5000000)"
    big["marts.order_totals"] = "select 2 as version, 5000000 as orders"
    write_tables(warehouse, big)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISH, str(warehouse), str(target)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "publishing"
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("*_publishing_*")) and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with duckdb.connect(str(target), read_only=True) as connection:
        version = connection.execute("select version from marts.order_totals").fetchone()[0]
        orders = connection.execute("select count(*) from marts.orders").fetchone()[0]
    assert (version, orders) in {(1, 21_000), (2, 5_000_000)}  # old or new, whole either way
    serving.publish(warehouse, target)
    assert list(tmp_path.glob("*_publishing_*")) == []
    with duckdb.connect(str(target), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.orders").fetchone() == (5_000_000,)


def test_a_failed_refresh_publishes_nothing_and_says_so(orchestration_env, monkeypatch, capsys):  # noqa: F811
    """dbt fails (here: a landing zone with no files), so the serving step never runs."""
    from orchestration import cli

    target = orchestration_env / "serving" / "serving.duckdb"
    write_tables(orchestration_env / "previous.duckdb", version_tables(1))
    serving.publish(orchestration_env / "previous.duckdb", target, run_id="last good")
    before = serving.published_at(target)
    monkeypatch.setenv("RAW_ROOT", str(orchestration_env / "empty_zone"))
    assert cli.run("refresh") == 1
    assert "the serving copy was left as it was" in capsys.readouterr().err
    assert serving.published_at(target) == before
    with duckdb.connect(str(target), read_only=True) as connection:
        assert connection.execute("select _run_id from main.serving_info").fetchone() == (
            "last good",
        )
