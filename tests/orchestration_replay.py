"""Replay helpers: deliver a landing zone in slices and compare two warehouses table by table.

Used by the orchestration tests and handy by hand:

    python tests/orchestration_replay.py compare a.duckdb b.duckdb
    python tests/orchestration_replay.py replay ZONE WORKDIR [SLICES | CUTOFF,CUTOFF,...] [KILL_AT]

`replay` is the acceptance check of [6/8] on any landing zone: one `dbt build --full-refresh` of
the whole zone, then the zone delivered in slices (four of equal delivery hours by default, or up
to each batch given and then to the zone's newest), each followed by the T+hours job as `make
refresh` runs it; it prints the marts that read empty after each slice and exits 1 if any table
differs from the full build.
With KILL_AT (text of a dbt log line, e.g. "START python table model
intermediate.int_risk_model__registry"), a `make rebuild` of the slices delivered so far is killed
with SIGKILL when its log first shows that line, just before the last slice is delivered.
"""

import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
from conftest import PROJECT_DIR, run_dbt
from orchestration_fixtures import PYTHON, start_cli, wait_for

BATCH = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2})\.[A-Za-z]+$")
COMPARED_SCHEMAS = ("staging", "intermediate", "marts", "audit")


def landed_files(zone: Path) -> list[Path]:
    """Every delivered file of a zone (never `_truth/`), by path."""
    return sorted(
        path
        for path in zone.rglob("*")
        if path.is_file() and BATCH.search(path.name) and "_truth" not in path.parts
    )


def batches(zone: Path) -> list[str]:
    return sorted({BATCH.search(path.name).group(1) for path in landed_files(zone)})


def slice_cutoffs(zone: Path, slices: int) -> list[str]:
    """The last batch of each of `slices` slices of roughly equal numbers of delivery hours."""
    hours = batches(zone)
    return [hours[min(len(hours) - 1, (len(hours) * (i + 1)) // slices - 1)] for i in range(slices)]


def deliver_until(zone: Path, destination: Path, cutoff: str) -> int:
    """Symlink every file of `zone` with batch <= cutoff into `destination`; returns how many."""
    linked = 0
    for path in landed_files(zone):
        if BATCH.search(path.name).group(1) > cutoff:
            continue
        target = destination / path.relative_to(zone)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, target)
            linked += 1
    return linked


def tables(connection: duckdb.DuckDBPyConnection, schemas=COMPARED_SCHEMAS) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in connection.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in ? and table_catalog = current_database()"
            " order by 1, 2",
            [list(schemas)],
        ).fetchall()
    ]


FLOATS = ("DOUBLE", "FLOAT", "REAL")


def compare(
    left: Path,
    right: Path,
    schemas=COMPARED_SCHEMAS,
    float_tolerance: float | None = None,
    ignore_columns: tuple[str, ...] = (),
    only: tuple[str, ...] = (),
) -> dict[str, str]:
    """Tables that differ between two warehouses (as multisets of rows, `_run_*` columns and
    `ignore_columns` left out), with a short reason; an empty dict when they are identical. `only`
    (schema.name) restricts the comparison to those tables of `schemas`. With
    `float_tolerance`, DOUBLE and REAL values need only agree to that relative tolerance (a sum of
    floating-point numbers depends on the order DuckDB's threads add them in)."""
    differences: dict[str, str] = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left}' as l (read_only)")
        connection.execute(f"attach '{right}' as r (read_only)")
        connection.execute("use l")
        left_tables = set(tables(connection, schemas))
        connection.execute("use r")
        right_tables = set(tables(connection, schemas))
        if only:
            left_tables &= set(only)
            right_tables &= set(only)
        connection.execute("use memory")
        for table in sorted(left_tables ^ right_tables):
            differences[table] = "only in " + ("left" if table in left_tables else "right")
        for table in sorted(left_tables & right_tables):
            schema, name = table.split(".")
            columns = [
                (column, data_type)
                for column, data_type in connection.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_catalog = 'l' and table_schema = ? and table_name = ?"
                    " order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if not column.startswith("_run_") and column not in ignore_columns
            ]
            floats = [i for i, (_, data_type) in enumerate(columns) if data_type in FLOATS]
            if float_tolerance and floats:
                found = _compare_sorted(connection, table, columns, floats, float_tolerance)
            else:
                found = _compare_exact(connection, table, columns)
            if found:
                differences[table] = found
    return differences


def _compare_exact(connection, table: str, columns: list) -> str | None:
    listed = ", ".join(f'"{column}"' for column, _ in columns)
    only_left, only_right = connection.execute(
        f"""
        select
            (select count(*) from (select {listed} from l.{table}
                except all select {listed} from r.{table})),
            (select count(*) from (select {listed} from r.{table}
                except all select {listed} from l.{table}))
        """
    ).fetchone()
    if only_left or only_right:
        return f"{only_left} rows only left, {only_right} rows only right"
    return None


def _compare_sorted(connection, table: str, columns: list, floats: list, tolerance: float):
    """Both sides sorted by the exact columns, then pairwise; floats within `tolerance`."""
    exact = [f'"{column}"' for i, (column, _) in enumerate(columns) if i not in floats]
    order = ", ".join(
        [f"{column}::varchar" for column in exact] + [f'"{columns[i][0]}"' for i in floats]
    )
    listed = ", ".join(f'"{column}"' for column, _ in columns)
    left_rows = connection.execute(f"select {listed} from l.{table} order by {order}").fetchall()
    right_rows = connection.execute(f"select {listed} from r.{table} order by {order}").fetchall()
    if len(left_rows) != len(right_rows):
        return f"{len(left_rows)} rows left, {len(right_rows)} rows right"
    mismatched = 0
    for left_row, right_row in zip(left_rows, right_rows, strict=True):
        for i, (a, b) in enumerate(zip(left_row, right_row, strict=True)):
            if i in floats and a is not None and b is not None:
                same = math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)
            else:
                same = a == b or (a != a and b != b)  # NaN equals NaN here
            if not same:
                mismatched += 1
                break
    return f"{mismatched} rows differ" if mismatched else None


def empty_marts(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return [
            table
            for table in tables(connection, ("marts",))
            if connection.execute(f"select count(*) from {table}").fetchone()[0] == 0
        ]


def kill_rebuild_at(environment: dict, log: Path, line: str) -> None:
    """Start the T+1 job (`make rebuild`) and SIGKILL it when its log first shows `line`."""
    rebuild = start_cli("rebuild", environment, log)
    wait_for(lambda: line in log.read_text() or rebuild.poll() is not None, timeout=math.inf)
    if rebuild.poll() is not None:
        raise RuntimeError(f"the rebuild ended before its log showed {line!r}")
    os.kill(rebuild.pid, signal.SIGKILL)
    rebuild.wait()
    print(f"rebuild killed at {line!r}", flush=True)


def replay(
    zone: Path, workdir: Path, cutoffs: list[str], kill_at: str | None = None
) -> dict[str, str]:
    """Full build of `zone`, then its deliveries up to each cutoff through the T+hours job, in
    `workdir` (with `kill_at`, a rebuild killed at that log line before the last slice); the
    tables that differ (the paths in `_file` left out: the slices are linked elsewhere)."""
    newest = batches(zone)[-1]
    if cutoffs[-1] < newest:  # the full build reads the whole zone; so must the last slice
        cutoffs = [*cutoffs, newest]
    full, raw = workdir / "full.duckdb", workdir / "raw"
    raw.mkdir(parents=True, exist_ok=False)
    run_dbt(
        ["build", "--full-refresh", "--exclude-resource-type", "unit_test"],
        zone,
        full,
        workdir / "full_target",
    )
    replayed = {
        "RAW_ROOT": str(raw),
        "WAREHOUSE_PATH": str(workdir / "replayed.duckdb"),
        "SERVING_PATH": str(workdir / "serving.duckdb"),
        "REPORTS_DIR": str(workdir / "reports"),
    }
    environment = {**os.environ, **replayed}
    for number, cutoff in enumerate(cutoffs, start=1):
        if kill_at and number == len(cutoffs):
            kill_rebuild_at(environment, workdir / "killed_rebuild.log", kill_at)
        linked = deliver_until(zone, raw, cutoff)
        with (workdir / f"refresh_{cutoff}.log").open("w") as log:
            subprocess.run(
                [PYTHON, "-m", "orchestration.cli", "refresh"],
                cwd=PROJECT_DIR,
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
            )
        empty = empty_marts(Path(replayed["SERVING_PATH"]))
        print(
            f"through {cutoff}: {linked} files; marts read empty: {', '.join(empty) or 'none'}",
            flush=True,
        )
    return compare(full, Path(replayed["WAREHOUSE_PATH"]), ignore_columns=("_file",))


if __name__ == "__main__":
    if len(sys.argv) in (4, 5, 6) and sys.argv[1] == "replay":
        zone, how = Path(sys.argv[2]).resolve(), sys.argv[4] if len(sys.argv) >= 5 else "4"
        cuts = slice_cutoffs(zone, int(how)) if how.isdigit() else how.split(",")
        kill_at = sys.argv[5] if len(sys.argv) == 6 else None
        found = replay(zone, Path(sys.argv[3]).resolve(), cuts, kill_at)
        for table, reason in found.items():
            print(f"{table}: {reason}")
        print("identical to the full build" if not found else f"{len(found)} table(s) differ")
        sys.exit(1 if found else 0)
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        found = compare(Path(sys.argv[2]), Path(sys.argv[3]))
        for table, reason in found.items():
            print(f"{table}: {reason}")
        print("identical" if not found else f"{len(found)} table(s) differ")
        sys.exit(1 if found else 0)
    print(__doc__)
    sys.exit(2)
