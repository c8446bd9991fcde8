"""`make refresh` and `make rebuild`: run a cadence's Dagster job in this process.

    python -m orchestration.cli refresh [--skip-if-busy]   # T+hours job: incremental
    python -m orchestration.cli rebuild [--skip-if-busy]   # T+1 job: every model from scratch

Both honour RAW_ROOT, WAREHOUSE_PATH, SERVING_PATH and REPORTS_DIR. Before the run the manifest is
re-parsed (`dbt parse`), so a changed model is always picked up. If another writer holds the
warehouse, the command waits for it (WAREHOUSE_LOCK_WAIT_SECONDS) and says who it is waiting for;
with --skip-if-busy it says so and exits 0 without building. With DAGSTER_HOME set, the run is
recorded there and shows in `make ui`.
"""

import argparse
import os
import sys
import time

from orchestration import settings
from orchestration.cadences import T_PLUS_1, T_PLUS_HOURS
from orchestration.watchdog import deadline
from orchestration.writer_lock import WarehouseBusy, WriterLock, wait_until_openable

COMMANDS = {"refresh": T_PLUS_HOURS, "rebuild": T_PLUS_1}
EXIT_BUSY = 75  # EX_TEMPFAIL: waited for the other writer and gave up


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_config(full_refresh: bool, log_level: str) -> dict:
    return {
        "ops": {"warehouse_dbt": {"config": {"full_refresh": full_refresh}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }


def run(command: str, skip_if_busy: bool = False, log_level: str = "INFO") -> int:
    cadence = COMMANDS[command]
    run_label = f"{cadence.label} ({cadence.job_name})"
    started = time.monotonic()
    lock = WriterLock(settings.writer_lock_path())
    wait = 0.0 if skip_if_busy else settings.writer_wait_seconds()
    try:
        with lock.hold({"job": cadence.job_name, "command": f"make {command}"}, wait, on_wait=say):
            wait_until_openable(settings.warehouse_path(), wait, on_wait=say)
            # from here the run counts against the job's max runtime (the wait above does not)
            with deadline(cadence.max_runtime_seconds, run_label):
                say(f"{run_label}: RAW_ROOT={settings.raw_root()}")
                from orchestration.project import prepare

                prepare()  # dbt parse: the manifest Dagster builds its assets from
                from dagster import DagsterInstance

                from orchestration.definitions import defs

                job = defs.resolve_job_def(cadence.job_name)
                instance = (
                    DagsterInstance.get()
                    if os.environ.get("DAGSTER_HOME")
                    else DagsterInstance.ephemeral()
                )
                with instance:
                    result = job.execute_in_process(
                        run_config=run_config(cadence.full_refresh, log_level),
                        instance=instance,
                        raise_on_error=False,
                        tags={"trigger": f"make {command}"},
                    )
    except WarehouseBusy as busy:
        if skip_if_busy:
            say(f"Skipped: {busy}")
            return 0
        say(f"Not run: {busy}")
        return EXIT_BUSY
    elapsed = time.monotonic() - started
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                say(
                    f"FAILED step {event.step_key}: {event.event_specific_data.error.message.strip()}"
                )
        published = any(
            event.is_step_success and event.step_key == "serving__bi_copy"
            for event in result.all_events
        )
        serving_state = (
            "the serving copy was published before the failure"
            if published
            else "the serving copy was left as it was"
        )
        say(f"{cadence.label} failed after {elapsed:.0f}s; {serving_state}.")
        return 1
    say(
        f"{cadence.label} succeeded in {elapsed:.0f}s (run {result.run_id[:8]}); "
        f"warehouse {settings.warehouse_path()}, serving copy {settings.serving_path()}."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument(
        "--skip-if-busy",
        action="store_true",
        help="if another writer holds the warehouse, say so and exit 0 instead of waiting",
    )
    parser.add_argument("--log-level", default=os.environ.get("DAGSTER_LOG_LEVEL", "INFO"))
    arguments = parser.parse_args(argv)
    return run(arguments.command, arguments.skip_if_busy, arguments.log_level)


if __name__ == "__main__":
    sys.exit(main())
