"""Dagster resources, configured from the environment (see orchestration.settings)."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext

from orchestration import settings
from orchestration.writer_lock import WriterLock, wait_until_openable


class WarehouseWriter(ConfigurableResource):
    """The right to write the warehouse, held for a whole run: the jobs run in process, so the
    resource is set up once before the first step and released after the last one (dbt build,
    serving publication, reports). A second writer waits for it with a message naming the holder.
    """

    warehouse_path: str
    serving_path: str
    lock_path: str
    wait_seconds: float

    @contextlib.contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator["WarehouseWriter"]:
        log = context.log.info if context.log else print
        run = context.dagster_run
        owner = {"job": run.job_name if run else None, "run_id": run.run_id if run else None}
        with WriterLock(Path(self.lock_path)).hold(owner, self.wait_seconds, on_wait=log):
            wait_until_openable(Path(self.warehouse_path), self.wait_seconds, on_wait=log)
            yield self


def warehouse_writer() -> WarehouseWriter:
    return WarehouseWriter(
        warehouse_path=str(settings.warehouse_path()),
        serving_path=str(settings.serving_path()),
        lock_path=str(settings.writer_lock_path()),
        wait_seconds=settings.writer_wait_seconds(),
    )
