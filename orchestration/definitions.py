"""The Dagster code location of the warehouse: `dagster dev -m orchestration.definitions`."""

from dagster import Definitions

from orchestration.assets import landing_zone_asset, serving_copy, warehouse_dbt
from orchestration.automation import (
    JOBS,
    cadence_schedules,
    landing_sensor,
    risk_notifications_sensor,
)
from orchestration.landing import landed_tables
from orchestration.project import dbt_resource, manifest
from orchestration.reports import report_assets
from orchestration.resources import WarehouseWriter

_tables = landed_tables(manifest())

defs = Definitions(
    assets=[
        landing_zone_asset(_tables),
        warehouse_dbt,
        serving_copy,
        *report_assets(serving_copy.key),
    ],
    jobs=list(JOBS.values()),
    schedules=cadence_schedules(_tables),
    sensors=[landing_sensor(_tables), risk_notifications_sensor],
    resources={"dbt": dbt_resource(), "warehouse_writer": WarehouseWriter()},
)
