"""The marts are a pure function of the landing zone: a generated zone delivered in slices, each
followed by `make refresh` (the T+hours job, incremental), gives exactly the warehouse of one full
`dbt build` of the whole zone. Meanwhile a BI client reads the serving copy every 100 ms, a
`make rebuild` is killed with SIGKILL mid-way and a second refresh overlaps one: the reader sees
no error and no empty mart, and the refresh after the kill succeeds.

Two slices by default (each refresh is a whole dbt build of the project: the suite must stay
quick); REPLAY_SLICES=4 replays in four, as the acceptance check does.
"""

import json
import os
import signal

import duckdb
import pytest
from orchestration_fixtures import (  # noqa: F401 (fixtures)
    children_named,
    dbt_target,
    orchestration_env,
    orchestration_paths,
    start_bi_reader,
    start_cli,
    wait_for,
)
from orchestration_replay import compare, deliver_until, slice_cutoffs

from orchestration import cli, serving
from orchestration.landing import landed_tables, zone_state
from orchestration.project import manifest
from orchestration.writer_lock import WriterLock
from risk_model.features import STORED_FEATURES
from risk_model.warehouse import PointInTime

SLICES = int(os.environ.get("REPLAY_SLICES", "2"))
# Where the files were read from: the replay reads the same files through another RAW_ROOT. Only
# the base tables in staging keep the absolute path; audit names files under the landing root.
PATH_COLUMNS = ("_file",)
KEY_LEVEL_INCREMENTAL = (
    "intermediate.int_risk__identity_links",
    "intermediate.int_risk__user_event_signals",
    "intermediate.int_users__activity_daily",
    "intermediate.int_risk_model__feature_history",
    "intermediate.int_users__attribution_credits",
)


@pytest.fixture
def replay(generated_zone, orchestration_env, monkeypatch):  # noqa: F811
    raw = orchestration_env / "raw"
    raw.mkdir()
    monkeypatch.setenv("RAW_ROOT", str(raw))
    return generated_zone, raw, orchestration_env


def test_replay_in_slices_equals_one_full_build_while_bi_reads(replay, generated_warehouse, capsys):
    zone, raw, workdir = replay
    warehouse = workdir / "warehouse.duckdb"
    served = workdir / "serving" / "serving.duckdb"
    cutoffs = slice_cutoffs(zone, SLICES)
    assert len(set(cutoffs)) == SLICES
    reader = None
    try:
        for number, cutoff in enumerate(cutoffs, start=1):
            assert deliver_until(zone, raw, cutoff) > 0
            if number == SLICES - 1:
                kill_a_rebuild_mid_way(workdir)
            if number == SLICES:
                # A second refresh overlapping this one: with --skip-if-busy it says so and exits
                # 0 (a plain `make refresh` waits instead: see test_orchestration_lock).
                other = start_cli(
                    "refresh", dict(os.environ), workdir / "other_refresh.log", "--skip-if-busy"
                )
            assert cli.run("refresh") == 0, f"refresh of slice {number} failed"
            if number == 1:
                first_scans = workdir / "first_slice_scans.parquet"
                save_scan_features(warehouse, first_scans)
                reader, stop, out = start_bi_reader(served, workdir)
        other_log = (workdir / "other_refresh.log").read_text
        assert other.wait(timeout=600) == 0, other_log()[-3000:]
        said = other_log() + capsys.readouterr().err
        assert "The warehouse is being written by t_plus_hours" in said  # one of the two skipped
        # the serving copy names the landing zone it was built from: a T+hours tick now skips
        assert serving.served_landing_state(served) == zone_state(raw, landed_tables(manifest()))
    finally:
        if reader:
            stop.touch()
            reader.wait(timeout=60)
    seen = json.loads(out.read_text())
    assert seen["errors"] == [] and seen["queries"] > 10 and seen["marts"] > 0
    # No mart reads empty, however early the slice: the risk model's marts list the retrainings,
    # weeks and users it could not model yet, and feature drift lists the signup days whose
    # 7-day window is still open (this zone's first slice is 7 days: none has closed).
    assert seen["empty"] == {}, seen["empty"]

    # The comparison: one full `dbt build` of the whole zone (the suite's generated_warehouse),
    # exact to the last digit (sums of DOUBLEs are added as DECIMALs, see macro exact_sum; ties
    # are broken on keys). Staging holds the base tables the refreshes appended to. Intermediate
    # models are left out: one numbers graph components arbitrarily (group ids in the marts are
    # anchored on the first-delivered member instead).
    layers = ("staging", "marts", "audit")
    found = compare(warehouse, generated_warehouse, layers, ignore_columns=PATH_COLUMNS)
    assert found == {}
    # The intermediate models that rebuild only the keys a delivery reaches are compared too: a
    # key missed by their rules would otherwise only show where a mart happens to read it.
    found = compare(warehouse, generated_warehouse, ("intermediate",), only=KEY_LEVEL_INCREMENTAL)
    assert found == {}
    # Point in time: what the risk model's scans saw after the first slice, the full build sees at
    # the same scans (later deliveries rewrite no earlier scan's features, USD amounts aside).
    assert scan_features_changed(first_scans, generated_warehouse) == 0
    rebuilt_serving = workdir / "rebuilt_serving.duckdb"
    serving.publish(generated_warehouse, rebuilt_serving)
    found = compare(
        served,
        rebuilt_serving,
        serving.SERVED_SCHEMAS,
        ignore_columns=PATH_COLUMNS,
    )
    assert found == {}


# Amounts are converted at the rate known now, not at the scan: a record of a day whose rate had
# not landed yet counts at the fallback rate until it does (risk_model/README, "Point in time").
CONVERTED_AMOUNTS = (
    "topup_usd",
    "small_attempts",
    "payout_usd",
    "sold_usd",
    "bought_usd",
    "bonus_usd",
)
SCAN_COLUMNS = (
    "scan_at",
    "user_id",
    "account_age_days",
    "features_known_through",
    *(f for f in STORED_FEATURES if f not in CONVERTED_AMOUNTS),
)


def scan_features(connection, scans):
    """Every user's features but the converted amounts at each of `scans`, read the way the risk
    model reads a scan (risk_model.warehouse.PointInTime; its label columns left out)."""
    history = connection.table("intermediate.int_risk_model__feature_history")
    rows = PointInTime(history, label_window_days=0, data_cutoff=None).at(scans)
    return rows.project(", ".join(SCAN_COLUMNS))


def save_scan_features(warehouse, destination):
    """scan_features at every scan the warehouse has, to a Parquet file."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        scans = connection.sql("select scan_at from intermediate.int_risk_model__scan_times")
        scan_features(connection, [scan for (scan,) in scans.fetchall()]).write_parquet(
            str(destination)
        )


def scan_features_changed(saved, warehouse) -> int:
    """Rows of the saved scans that `warehouse` has otherwise, either way round."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute(f"create temp table saved as select * from '{saved}'")
        scans = connection.sql("select distinct scan_at from saved").fetchall()
        assert scans, "no scan saved"
        now = scan_features(connection, [scan for (scan,) in scans])
        connection.execute(f"create temp table now as {now.sql_query()}")
        return connection.execute(
            "select (select count(*) from (from saved except all from now))"
            " + (select count(*) from (from now except all from saved))"
        ).fetchone()[0]


def kill_a_rebuild_mid_way(workdir):
    """Start `make rebuild` in another process and SIGKILL its Python (not dbt) once dbt is
    writing; dbt must die with it and the writer lock must be free again."""
    log = workdir / "killed_rebuild.log"
    rebuild = start_cli("rebuild", dict(os.environ), log)
    assert wait_for(lambda: children_named(rebuild.pid, "dbt build"), timeout=300), log.read_text()[
        -3000:
    ]
    assert wait_for(lambda: "OK created" in log.read_text(), timeout=120)
    dbt = children_named(rebuild.pid, "dbt build")
    os.kill(rebuild.pid, signal.SIGKILL)
    rebuild.wait()
    assert wait_for(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in dbt), timeout=30)
    assert not WriterLock(workdir / "warehouse.duckdb.lock").is_held()
