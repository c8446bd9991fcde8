"""The warehouse must load any landing zone that honours the contract, not only files written the way
our generator writes them. The generated zone is rewritten as another writer could have written it
(every choice below is allowed by docs/landing_zone_contract.md), and staging and the load audit
must come out the same, record for record."""

import csv
import io
import json
import random
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import query, run_dbt

# Rows that do not have the header's field count are rejected in both zones, but their fields land
# in other columns once the good rows' columns are reordered: compared by position and reason only.
MALFORMED = "_structure_error is not null"


def rewrite_csv(source: Path, target: Path, rng: random.Random) -> None:
    """Every field quoted, CRLF line ends, a byte-order mark, the columns in another order."""
    with source.open(encoding="utf-8-sig", newline="") as file:  # line breaks in fields kept
        rows = list(csv.reader(file))
    if not rows:
        target.write_bytes(b"")
        return
    header = rows[0]
    order = rng.sample(range(len(header)), len(header))
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([header[i] for i in order])
    for row in rows[1:]:
        writer.writerow([row[i] for i in order] if len(row) == len(header) else row)
    target.write_text("\ufeff" + out.getvalue(), encoding="utf-8", newline="")


def rewrite_jsonl(source: Path, target: Path, rng: random.Random) -> None:
    """Keys in another order, spaces after separators, a nested key the contract does not know."""
    lines = []
    for line in source.read_text(encoding="utf-8").split("\n"):
        try:
            record = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        if isinstance(record, dict):
            items = rng.sample(list(record.items()), len(record))
            line = json.dumps(
                dict([*items, ("x_new_field", {"nested": [1, 2]})]), separators=(", ", ": ")
            )
        lines.append(line)
    target.write_text("\n".join(lines), encoding="utf-8")


def rewrite_parquet(source: Path, target: Path, rng: random.Random) -> None:
    """Time zone-aware nanosecond timestamps, columns in another order plus a new one; an empty
    delivery as a zero-byte file."""
    table = pq.read_table(source) if source.stat().st_size else None
    if table is None or table.num_rows == 0:
        target.write_bytes(b"")
        return
    columns = {
        field.name: table[field.name].cast(pa.timestamp("ns", tz="UTC"))
        if pa.types.is_timestamp(field.type)
        else table[field.name]
        for field in table.schema
    }
    names = rng.sample(list(columns), len(columns))
    rewritten = pa.table({name: columns[name] for name in names})
    pq.write_table(
        rewritten.append_column("x_new_field", pa.array(["x"] * rewritten.num_rows)), target
    )


REWRITERS = {".csv": rewrite_csv, ".jsonl": rewrite_jsonl, ".parquet": rewrite_parquet}


@pytest.fixture(scope="module")
def rewritten_warehouse(generated_zone, tmp_path_factory) -> Path:
    rng = random.Random(5)
    zone = tmp_path_factory.mktemp("rewritten") / "raw"
    for source in sorted(generated_zone.rglob("*")):
        if source.is_dir() or "_truth" in source.parts:
            continue
        target = zone / source.relative_to(generated_zone)
        target.parent.mkdir(parents=True, exist_ok=True)
        REWRITERS.get(source.suffix, lambda s, t, _: shutil.copy(s, t))(source, target, rng)
    assert any(p.stat().st_size == 0 for p in zone.glob("trading/trades/*.parquet"))
    workdir = zone.parent
    warehouse = workdir / "warehouse.duckdb"
    run_dbt(
        ["build", "--select", "+path:models/audit", "--exclude-resource-type", "unit_test"],
        zone,
        warehouse,
        workdir / "target",
    )
    return warehouse


STAGING_TABLES = (
    "select table_name from duckdb_tables() where database_name = '{db}'"
    " and schema_name = 'staging' and regexp_matches(table_name, '^(base|stg)_') order by 1"
)


def differing_rows(connection, table: str) -> int:
    """Rows of one zone's table missing from the other's, both ways (EXCEPT ALL keeps duplicates),
    without the file path and the record as delivered, which the rewrite changes; a malformed base
    row compared by its position and reason only."""
    names = connection.execute(
        "select column_name from duckdb_columns() where database_name = 'generated'"
        " and schema_name = 'staging' and table_name = ? and column_name not in ('_file', '_raw_record')"
        " order by column_index",
        [table],
    ).fetchall()
    comparisons = [(", ".join(f'"{name}"' for (name,) in names), "true")]
    if table.startswith("base_"):
        comparisons = [
            (comparisons[0][0], f"not ({MALFORMED})"),
            ("_batch, _record_number, _reject_reason", MALFORMED),
        ]
    return sum(
        connection.execute(
            f"select count(*) from (select {columns} from {a}.staging.{table} where {where}"
            f" except all select {columns} from {b}.staging.{table} where {where})"
        ).fetchone()[0]
        for columns, where in comparisons
        for a, b in (("generated", "rewritten"), ("rewritten", "generated"))
    )


def test_staging_is_the_same_whoever_wrote_the_files(generated_warehouse, rewritten_warehouse):
    with duckdb.connect() as connection:
        connection.execute(f"attach '{generated_warehouse}' as generated (read_only)")
        connection.execute(f"attach '{rewritten_warehouse}' as rewritten (read_only)")
        tables = connection.execute(STAGING_TABLES.format(db="generated")).fetchall()
        assert len(tables) == 30
        assert connection.execute(STAGING_TABLES.format(db="rewritten")).fetchall() == tables
        differing = {
            table: count for (table,) in tables if (count := differing_rows(connection, table))
        }
    assert not differing


def test_the_load_audit_is_the_same_whoever_wrote_the_files(
    generated_warehouse, rewritten_warehouse
):
    reconciliation = (
        "select source_table, raw_rows, staged_rows, duplicate_rows, rejected_rows"
        " from audit.load_reconciliation order by 1"
    )
    assert query(rewritten_warehouse, reconciliation) == query(generated_warehouse, reconciliation)
    rejections = (
        "select source_table, batch, record_number, reason from audit.rejected_records order by all"
    )
    expected = query(generated_warehouse, rejections)
    assert expected and query(rewritten_warehouse, rejections) == expected
