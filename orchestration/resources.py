"""Dagster resources, configured from the environment (see orchestration.settings)."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from orchestration import settings
from orchestration.landing import landed_tables, zone_state
from orchestration.project import manifest
from orchestration.writer_lock import WriterLock, wait_until_openable


class WarehouseWriter(ConfigurableResource):
    """The right to write the warehouse, held for a whole run: the jobs run in process, so the
    resource is set up once before the first step and released after the last one (dbt build,
    serving publication, reports). A second writer waits for it with a message naming the holder.

    Paths left unset are read from the environment when a run starts (WAREHOUSE_PATH,
    SERVING_PATH, WAREHOUSE_LOCK_PATH, WAREHOUSE_LOCK_WAIT_SECONDS), like dbt reads them.
    """

    warehouse_path: str | None = None
    serving_path: str | None = None
    lock_path: str | None = None
    wait_seconds: float | None = None
    _landing_at_start: dict | None = PrivateAttr(default=None)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path) if self.warehouse_path else settings.warehouse_path()

    @property
    def serving(self) -> Path:
        return Path(self.serving_path) if self.serving_path else settings.serving_path()

    @property
    def lock(self) -> WriterLock:
        return WriterLock(Path(self.lock_path) if self.lock_path else settings.writer_lock_path())

    @property
    def wait(self) -> float:
        return settings.writer_wait_seconds() if self.wait_seconds is None else self.wait_seconds

    @property
    def landing_at_start(self) -> dict | None:
        """The landing zone's state (orchestration.landing.zone_state) when the run took the lock,
        before dbt read a file: what the run's marts are built from at least. The serving copy
        keeps it, so a T+hours tick can tell that nothing has landed since."""
        return self._landing_at_start

    @contextlib.contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator["WarehouseWriter"]:
        log = context.log.info if context.log else print
        run = context.dagster_run
        owner = {"job": run.job_name if run else None, "run_id": run.run_id if run else None}
        lock = self.lock
        with lock.hold(owner, self.wait, on_wait=log):
            wait_until_openable(self.warehouse, self.wait, on_wait=log)
            log(f"Holding the warehouse writer lock {lock.path}")
            self._landing_at_start = zone_state(settings.raw_root(), landed_tables(manifest()))
            try:
                yield self
            finally:
                log("Releasing the warehouse writer lock")
