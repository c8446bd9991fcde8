"""Assets: the landing zone (observed), the dbt project (built), the serving copy (published)."""

import warnings

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BetaWarning,
    Config,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    ObserveResult,
    asset,
    multi_observable_source_asset,
)
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration import serving, settings
from orchestration.cadences import dbt_build_args
from orchestration.landing import LandedTable, table_state
from orchestration.project import warehouse_project
from orchestration.resources import WarehouseWriter
from orchestration.translator import WarehouseTranslator

SERVING_KEY = AssetKey(["serving", "bi_copy"])


class DbtBuildConfig(Config):
    full_refresh: bool = False


@dbt_assets(
    manifest=warehouse_project().manifest_path,
    project=warehouse_project(),
    dagster_dbt_translator=WarehouseTranslator(),
    name="warehouse_dbt",
)
def warehouse_dbt(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse_writer: WarehouseWriter,
    config: DbtBuildConfig,
):
    """`dbt build` of the selected models (seeds, models, data and unit tests). Incremental base
    models load only new deliveries unless `full_refresh`."""
    yield from dbt.cli(dbt_build_args(config.full_refresh), context=context).stream()


def landing_zone_asset(tables: list[LandedTable]):
    specs = [
        AssetSpec(
            key=table.asset_key_path,
            group_name="landing",
            description=f"Files the upstream system delivers: RAW_ROOT/{table.name}/<batch>.{table.extension}",
            kinds={table.extension},
        )
        for table in tables
    ]
    with warnings.catch_warnings():  # multi_observable_source_asset is marked beta
        warnings.simplefilter("ignore", BetaWarning)
        observe_many = multi_observable_source_asset(name="landing_zone", specs=specs)

    @observe_many
    def landing_zone():
        """Observe each landed table: its newest batch and number of delivered files."""
        raw_root = settings.raw_root()
        for table in tables:
            state = table_state(raw_root, table)
            yield ObserveResult(
                asset_key=table.asset_key_path,
                data_version=DataVersion(f"{state['latest_batch']}|{state['files']}"),
                metadata={
                    "latest_batch": state["latest_batch"] or "",
                    "files": state["files"],
                    "path": MetadataValue.path(str(raw_root / table.system / table.table)),
                },
            )

    return landing_zone


def served_keys() -> list[AssetKey]:
    """The dbt assets copied to the serving database (marts and audit)."""
    return sorted(
        (key for key in warehouse_dbt.keys if key.path[0] in serving.SERVED_SCHEMAS),
        key=lambda key: key.to_user_string(),
    )


@asset(
    key=SERVING_KEY,
    deps=served_keys(),
    group_name="serving",
    kinds={"duckdb"},
    description=(
        "Read-only copy of the marts and audit tables for BI tools (SERVING_PATH), published "
        "atomically after a successful build."
    ),
)
def serving_copy(context: AssetExecutionContext, warehouse_writer: WarehouseWriter):
    target = warehouse_writer.serving
    rows = serving.publish(
        warehouse_writer.warehouse,
        target,
        run_id=context.run.run_id,
        only={".".join(key.path) for key in served_keys()},
        landing_state=warehouse_writer.landing_at_start,
    )
    context.log.info(f"Published {len(rows)} tables to {target}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(target)),
            "tables": len(rows),
            "rows": MetadataValue.json(rows),
        }
    )
