"""Where the reports read from: the published marts, read-only.

Reports select from `marts.*` (and `audit.load_reconciliation` for freshness) with filters,
ordering and the sum-then-divide roll-ups the marts' YAML prescribes for their ratios; a figure the
marts do not have is reported as missing, never computed here.
"""

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
STRATEGY_CATALOGUE = PROJECT_DIR / "seeds" / "risk_strategies.csv"


def _env_path(variable: str, default: str) -> Path:
    return Path(os.environ.get(variable) or PROJECT_DIR / default).expanduser().resolve()


def default_database() -> Path:
    """The serving copy (SERVING_PATH) when it exists, else the warehouse (WAREHOUSE_PATH)."""
    serving = _env_path("SERVING_PATH", "data/serving.duckdb")
    return serving if serving.exists() else _env_path("WAREHOUSE_PATH", "data/warehouse.duckdb")


def default_reports_dir() -> Path:
    return _env_path("REPORTS_DIR", "data/reports")


@dataclass(frozen=True)
class SourceFreshness:
    source_table: str
    latest_batch: str  # YYYY-MM-DDTHH, the newest delivery of the table


@dataclass(frozen=True)
class Freshness:
    """How current the data behind a report is."""

    data_cutoff: datetime | None  # end of the newest delivery hour of any landed table
    published_at: datetime | None  # when the serving copy was published (None: read the warehouse)
    database: Path
    sources: tuple[SourceFreshness, ...] = field(default_factory=tuple)


def batch_end(batch: str) -> datetime:
    """`2026-02-18T23` -> 2026-02-19 00:00 (records of that delivery are known by then)."""
    return datetime.strptime(batch, "%Y-%m-%dT%H") + timedelta(hours=1)


class Marts:
    """A read-only connection to the warehouse or its serving copy."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, database: Path):
        self.connection = connection
        self.database = database
        self._tables: set[str] | None = None

    def rows(self, sql: str, parameters: list | tuple = ()) -> list[dict]:
        result = self.connection.execute(sql, list(parameters))
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def one(self, sql: str, parameters: list | tuple = ()) -> dict:
        rows = self.rows(sql, parameters)
        return rows[0] if rows else {}

    def has(self, table: str) -> bool:
        """Whether `schema.table` exists (marts still being built by other issues may not)."""
        if self._tables is None:
            self._tables = {
                f"{schema}.{name}"
                for schema, name in self.connection.execute(
                    "select table_schema, table_name from information_schema.tables"
                ).fetchall()
            }
        return table in self._tables

    def freshness(self, tables: list[str] | None = None) -> Freshness:
        """The newest delivery of each landed table (of `tables` when given, e.g. the ones a
        report depends on), and the data cutoff: the end of the newest of those deliveries."""
        sources: tuple[SourceFreshness, ...] = ()
        if self.has("audit.load_reconciliation"):
            sources = tuple(
                SourceFreshness(row["source_table"], row["latest_batch"])
                for row in self.rows(
                    "select source_table, latest_batch from audit.load_reconciliation "
                    "where latest_batch is not null order by source_table"
                )
                if tables is None or row["source_table"] in tables
            )
        cutoff = max((batch_end(s.latest_batch) for s in sources), default=None)
        published = None
        if self.has("main.serving_info"):
            published = self.one("select _run_published_at as at from main.serving_info").get("at")
        return Freshness(cutoff, published, self.database, sources)


@contextmanager
def open_marts(database: Path | None = None) -> Iterator[Marts]:
    path = Path(database) if database else default_database()
    if not path.exists():
        raise FileNotFoundError(f"No warehouse at {path}: build it first (make build / rebuild).")
    connection = duckdb.connect(str(path), read_only=True)
    try:
        yield Marts(connection, path)
    finally:
        connection.close()


def strategy_catalogue() -> dict[str, dict]:
    """The strategy catalogue analysts maintain (seeds/risk_strategies.csv): plain-language
    descriptions for the reports. Words only; every number comes from the marts."""
    if not STRATEGY_CATALOGUE.exists():
        return {}
    with STRATEGY_CATALOGUE.open(newline="") as handle:
        return {row["strategy_id"]: row for row in csv.DictReader(handle)}


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
