"""Print what a build produced: rows per layer, rejections per table and reason, where to look."""

import duckdb

from orchestration import serving, settings

LAYERS = ("staging", "intermediate", "marts", "audit")


def layer_rows(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    tables = connection.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_schema in ?
        order by table_schema, table_name
        """,
        [list(LAYERS)],
    ).fetchall()
    totals: dict[str, list[int]] = {layer: [0, 0] for layer in LAYERS}
    for schema, table in tables:
        (rows,) = connection.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
        totals[schema][0] += 1
        totals[schema][1] += rows
    return [(layer, tables_, rows) for layer, (tables_, rows) in totals.items()]


def main() -> None:
    path = settings.warehouse_path()
    with duckdb.connect(str(path), read_only=True) as connection:
        print(f"\nWarehouse: {path}")
        print(f"Landing zone: {settings.raw_root()}\n")
        print(f"{'layer':<14}{'tables':>8}{'rows':>14}")
        for layer, tables, rows in layer_rows(connection):
            print(f"{layer:<14}{tables:>8}{rows:>14,}")

        print("\nLoad reconciliation (raw = staged + duplicates + rejected):")
        reconciliation = connection.execute(
            """
            select source_table, raw_rows, staged_rows, duplicate_rows, rejected_rows,
                   raw_rows = staged_rows + duplicate_rows + rejected_rows as balanced
            from audit.load_reconciliation order by source_table
            """
        ).fetchall()
        print(f"{'table':<28}{'raw':>11}{'staged':>11}{'dupes':>9}{'rejected':>10}  balanced")
        for table, raw, staged, dupes, rejected, balanced in reconciliation:
            print(f"{table:<28}{raw:>11,}{staged:>11,}{dupes:>9,}{rejected:>10,}  {balanced}")

        print("\nRejected records by table and reason:")
        for table, reason, count in connection.execute(
            """
            select source_table, reason, count(*) from audit.rejected_records
            group by all order by source_table, reason
            """
        ).fetchall():
            print(f"  {table:<28}{reason:<24}{count:>8,}")

        (real_users,) = connection.execute("select count(*) from marts.dim_users").fetchone()
        print(f"\nReal (non-test) users in marts.dim_users: {real_users:,}")

    print("\nWhere to look:")
    print(f"  warehouse        {path}  (duckdb {path} -c 'from marts.dim_users limit 5')")
    published = serving.published_at(settings.serving_path())
    state = f"published {published}" if published else "not published yet: make refresh"
    print(f"  serving copy     {settings.serving_path()}  ({state}; read-only, for BI tools)")
    print(f"  reports          {settings.reports_dir()}")
    print("  model docs       .venv/bin/dbt docs generate && .venv/bin/dbt docs serve")


if __name__ == "__main__":
    main()
