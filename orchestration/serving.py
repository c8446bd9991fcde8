"""The read-only serving copy for BI tools.

BI tools never open the warehouse: dbt writes it (one writer, locked), and a half-built mart must
never be seen. After a successful build the marts and the audit tables are copied into a new DuckDB
file next to SERVING_PATH, checked, flushed, and renamed over SERVING_PATH in one `os.replace`,
which is atomic: a reader opens either the previous complete copy or the new complete copy. A
reader that has the old copy open keeps reading it until it closes (the old file lives on until
then). A build that fails or is killed never reaches the rename, so the last good copy stays, and
the next publication removes its leftover temporary file.

Readers open it read-only, one connection per query or per session, and do not pool connections
across publications (with SQLAlchemy: `serving_engine()`, NullPool).
"""

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

SERVED_SCHEMAS = ("marts", "audit")
INFO_TABLE = "serving_info"  # main.serving_info: one row about the publication


def _temporary_files(serving: Path) -> list[Path]:
    return sorted(serving.parent.glob(f"{serving.stem}_publishing_*{serving.suffix}*"))


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(
    warehouse: Path,
    serving: Path,
    run_id: str | None = None,
    schemas: tuple[str, ...] = SERVED_SCHEMAS,
    only: set[str] | None = None,
    landing_state: dict | None = None,
) -> dict:
    """Copy the tables of `schemas` (or, given `only`, just those `schema.table` of them: the
    project's current models, not a table a removed model left behind) into a fresh file and swap
    it in atomically; `landing_state` (the landing zone the build started from) is kept with it.
    The caller holds the writer lock. Returns tables and row counts."""
    warehouse, serving = Path(warehouse), Path(serving)
    serving.parent.mkdir(parents=True, exist_ok=True)
    for leftover in _temporary_files(serving):  # from a publication that was killed
        leftover.unlink(missing_ok=True)
    temporary = serving.with_name(
        f"{serving.stem}_publishing_{os.getpid()}_{uuid.uuid4().hex[:8]}{serving.suffix}"
    )
    try:
        rows = _copy(warehouse, temporary, schemas, run_id, only, landing_state)
        _fsync(temporary)
        # A read-write opening of the serving file would have left a log for the old file.
        Path(f"{serving}.wal").unlink(missing_ok=True)
        os.replace(temporary, serving)
        _fsync(serving.parent)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return rows


def _copy(
    warehouse: Path,
    temporary: Path,
    schemas: tuple[str, ...],
    run_id: str | None,
    only: set[str] | None,
    landing_state: dict | None,
) -> dict:
    with duckdb.connect(str(temporary)) as connection:
        # Attached under its own name (the file's stem), as dbt built it: views, if any, resolve.
        connection.execute(f"attach '{_quote(warehouse)}' (read_only)")
        (catalog,) = connection.execute(
            "select database_name from duckdb_databases() where path = ?", [str(warehouse)]
        ).fetchone()
        source = f'"{catalog}"'
        tables = connection.execute(
            """
            select table_schema, table_name from information_schema.tables
            where table_catalog = ? and table_schema in ?
            order by table_schema, table_name
            """,
            [catalog, list(schemas)],
        ).fetchall()
        if only is not None:
            tables = [(schema, table) for schema, table in tables if f"{schema}.{table}" in only]
        if not tables:
            raise RuntimeError(
                f"{warehouse} has no table in {', '.join(schemas)}: nothing to serve"
            )
        rows: dict[str, int] = {}
        for schema in schemas:
            connection.execute(f'create schema if not exists "{schema}"')
        for schema, table in tables:
            connection.execute(
                f'create table "{schema}"."{table}" as select * from {source}."{schema}"."{table}"'
            )
            (copied,) = connection.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            (expected,) = connection.execute(
                f'select count(*) from {source}."{schema}"."{table}"'
            ).fetchone()
            if copied != expected:
                raise RuntimeError(f"{schema}.{table}: copied {copied} rows of {expected}")
            rows[f"{schema}.{table}"] = copied
        connection.execute(
            f"""
            create table main.{INFO_TABLE} as select
                ?::timestamp as _run_published_at,
                ? as _run_id,
                ? as warehouse_path,
                ? as tables,
                ? as landing_state
            """,
            [
                datetime.now(UTC).replace(tzinfo=None),
                run_id,
                str(warehouse),
                len(rows),
                None if landing_state is None else json.dumps(landing_state, sort_keys=True),
            ],
        )
        connection.execute(f"detach {source}")
        connection.execute("checkpoint")
    return rows


def serving_info(serving: Path) -> dict | None:
    """The row of main.serving_info of the current serving copy, by column, its `landing_state`
    decoded (None when there is no copy yet; no `landing_state` in a copy published without it)."""
    if not Path(serving).exists():
        return None
    with duckdb.connect(str(serving), read_only=True) as connection:
        result = connection.execute(f"select * from main.{INFO_TABLE}")
        row = result.fetchone()
        names = [column[0] for column in result.description]
    if row is None:
        return None
    info = dict(zip(names, row, strict=True))
    if info.get("landing_state"):
        info["landing_state"] = json.loads(info["landing_state"])
    return info


def published_at(serving: Path) -> str | None:
    """When the current serving copy was published (None when there is none yet)."""
    info = serving_info(serving)
    return info["_run_published_at"].isoformat() if info else None


def served_landing_state(serving: Path) -> dict | None:
    """The landing zone state the current serving copy was built from (None when there is no
    copy, or it was published without one)."""
    return (serving_info(serving) or {}).get("landing_state")


def serving_engine(serving: Path):
    """A SQLAlchemy engine the way a BI tool should hold it: duckdb-engine, read-only, a new
    connection per checkout (NullPool) so every query sees the latest publication."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(
        f"duckdb:///{Path(serving)}", connect_args={"read_only": True}, poolclass=NullPool
    )
