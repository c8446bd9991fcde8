"""Experiment: what the CSV reader's regular expressions cost, and a faster reader with the same rows.

    python bench/csv_reader.py --compiled DIR --raw ZONE [--zone-in-sql PATH]

DIR is a dbt target's `compiled/marketplace_warehouse/models/staging` folder (from a build or
`dbt compile`); the compiled CSV base models in it are run against ZONE (the landing root
written in the compiled SQL, --zone-in-sql, is replaced by ZONE) as they are, and rewritten with
a fast path: a file without any double quote is split on line feeds (a trailing carriage return
removed) instead of being scanned with the RFC-4180 record expression, and a record without any
double quote is split on commas instead of being scanned with the field expression. Where a quote
occurs, the regular expressions are used as before. Both versions are timed (CREATE TABLE, the
same connection settings) and compared row for row (EXCEPT ALL both ways).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

RECORD_CALL = re.compile(r"regexp_extract_all\(content, ('(?:[^']|'')*'), 1\) as file_records")
HEADER_CALL = re.compile(
    r"regexp_extract_all\(',' \|\| replace\(_raw_record, chr\(65279\), ''\), ('(?:[^']|'')*'), 1\)"
)
FIELD_CALL = re.compile(
    r"regexp_extract_all\(',' \|\| file_lines\._raw_record, ('(?:[^']|'')*'), 1\) as record_fields"
)


def fast_path(sql: str) -> str:
    """The compiled base model with quote-free files and records split without regexes."""
    sql, n1 = RECORD_CALL.subn(
        lambda m: (
            "case when contains(content, '\"') "
            f"then regexp_extract_all(content, {m.group(1)}, 1) "
            "else list_transform(string_split(content, chr(10)), r -> rtrim(r, chr(13))) "
            "end as file_records"
        ),
        sql,
    )
    sql, n2 = HEADER_CALL.subn(
        lambda m: (
            "(case when contains(_raw_record, '\"') "
            f"then regexp_extract_all(',' || replace(_raw_record, chr(65279), ''), {m.group(1)}, 1) "
            "else string_split(replace(_raw_record, chr(65279), ''), ',') end)"
        ),
        sql,
    )
    sql, n3 = FIELD_CALL.subn(
        lambda m: (
            "case when contains(file_lines._raw_record, '\"') "
            f"then regexp_extract_all(',' || file_lines._raw_record, {m.group(1)}, 1) "
            "else string_split(file_lines._raw_record, ',') end as record_fields"
        ),
        sql,
    )
    if (n1, n2, n3) != (1, 1, 1):
        raise ValueError(f"unexpected reader shape: {(n1, n2, n3)}")
    return sql


def main(argv: list[str] | None = None) -> int:
    import duckdb

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--compiled", type=Path, required=True)
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--zone-in-sql", help="the landing root written in the compiled SQL")
    p.add_argument("--seeds-db", type=Path, help="a warehouse with the seeds (staging.currencies)")
    a = p.parse_args(argv)
    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute("set TimeZone = 'UTC'")
    if a.seeds_db:
        con.execute(f"attach '{a.seeds_db}' as wh (read_only)")
    print("| model | current | fast path | speed-up | rows | same rows |")
    print("|---|---|---|---|---|---|")
    total = [0.0, 0.0]
    for path in sorted(a.compiled.glob("*/base_*.sql")):
        sql = path.read_text()
        if "read_text(" not in sql or "file_records" not in sql or "record_fields" not in sql:
            continue
        if a.zone_in_sql:
            sql = sql.replace(a.zone_in_sql, str(a.raw))
        if a.seeds_db:
            sql = re.sub(r'"[A-Za-z0-9_]+"\."staging"\.', '"wh"."staging".', sql)
        timings = []
        for name, query in (("current", sql), ("fast", fast_path(sql))):
            start = time.perf_counter()
            con.execute(f"create or replace temp table {name} as {query}")
            timings.append(time.perf_counter() - start)
        rows = con.execute("select count(*) from current").fetchone()[0]
        diff = con.execute(
            "select (select count(*) from (from current except all from fast)) + "
            "(select count(*) from (from fast except all from current))"
        ).fetchone()[0]
        total[0] += timings[0]
        total[1] += timings[1]
        print(
            f"| {path.stem} | {timings[0]:.2f} s | {timings[1]:.2f} s | "
            f"{timings[0] / max(timings[1], 1e-9):.1f}x | {rows:,} | "
            f"{'yes' if diff == 0 else f'NO ({diff} rows differ)'} |"
        )
    print(
        f"| all CSV base models | {total[0]:.2f} s | {total[1]:.2f} s | "
        f"{total[0] / max(total[1], 1e-9):.1f}x | | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
