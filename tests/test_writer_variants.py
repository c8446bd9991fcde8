"""The warehouse must load any landing zone that honours the contract, not only files written the way
our generator writes them. The generated zone is rewritten as another writer could have written it
(every choice below is allowed by docs/landing_zone_contract.md), and staging and the load audit
must come out the same, record for record (`tests/orchestration_replay.compare`)."""

import csv
import io
import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import query, run_dbt
from orchestration_replay import compare

# What the rewrite changes by design: the file's path and each record as delivered.
DELIVERED_AS = ("_file", "_raw_record", "file_path", "record")


def rewrite_csv(source: Path, target: Path, rng: random.Random) -> None:
    """Every field quoted, CRLF line ends, a byte-order mark, the columns in another order."""
    with source.open(encoding="utf-8-sig", newline="") as file:  # line breaks in fields kept
        rows = list(csv.reader(file))
    if not rows:
        target.write_bytes(b"")
        return
    header = rows[0]
    order = rng.sample(range(len(header)), len(header))
    if any(len(row) != len(header) for row in rows):
        # a row with too few or too many fields has no column to move its fields to
        order = list(range(len(header)))
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
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
        [
            "build",
            "--select",
            "+path:models/audit",
            "path:seeds",
            "--indirect-selection",
            "cautious",  # a seed's relationship tests from marts this build leaves out
            "--exclude-resource-type",
            "unit_test",
        ],
        zone,
        warehouse,
        workdir / "target",
    )
    return warehouse


def test_staging_is_the_same_whoever_wrote_the_files(generated_warehouse, rewritten_warehouse):
    [(loaded,)] = query(
        rewritten_warehouse,
        "select count(*) from duckdb_tables() where schema_name = 'staging'"
        " and regexp_matches(table_name, '^(base|stg)_')",
    )
    assert loaded == 30
    differences = compare(
        generated_warehouse, rewritten_warehouse, ("staging",), ignore_columns=DELIVERED_AS
    )
    assert differences == {}


def test_the_load_audit_is_the_same_whoever_wrote_the_files(
    generated_warehouse, rewritten_warehouse
):
    [(rejected,)] = query(rewritten_warehouse, "select count(*) from audit.rejected_records")
    assert rejected > 0
    differences = compare(
        generated_warehouse, rewritten_warehouse, ("audit",), ignore_columns=DELIVERED_AS
    )
    assert differences == {}
