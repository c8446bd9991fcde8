"""The two cadences of the warehouse and the dbt arguments they run with (pure, tested).

- `T+1` (daily, early morning UTC): the full daily scan. Every model from scratch
  (`dbt build --full-refresh`: base models re-read every landed file), every strategy, every data
  test, then the serving copy and the reports.
- `T+hours` (every 4 hours unless nothing has landed since the served build, and when new batches
  land): incremental. Base models load only the delivered files they have not loaded yet, the
  largest staging models re-rank only the keys with a new delivery (or a new USD rate), some
  models past staging rebuild only the keys a delivery reaches, and the rest is rebuilt from them,
  so the marts (T+hours strategies, risk warnings, ...) stay a pure function of the landing zone
  (orchestration/README.md). A model too costly for every 4 hours can be tagged `daily_only` to
  leave it to T+1.
"""

from dataclasses import dataclass

DAILY_ONLY_TAG = "daily_only"


@dataclass(frozen=True)
class Cadence:
    job_name: str
    label: str
    cron_schedule: str
    description: str
    dbt_select: str
    dbt_exclude: str | None
    full_refresh: bool
    with_reports: bool
    # A run that outlives this is stopped (Dagster's run monitoring under the daemon, the watchdog
    # of orchestration/cli.py in `make refresh`/`make rebuild`): a hung build holds the writer lock,
    # and every later run would wait behind it.
    max_runtime_seconds: int


T_PLUS_1 = Cadence(
    job_name="t_plus_1",
    label="T+1",
    cron_schedule="30 5 * * *",  # 05:30 UTC, after the night's deliveries
    description="Full daily scan: every model from scratch, all strategies, tests, serving, reports.",
    dbt_select="fqn:*",
    dbt_exclude=None,
    full_refresh=True,
    with_reports=True,
    max_runtime_seconds=3 * 3600,  # the 500k full build takes 12 min on 2 cores
)

T_PLUS_HOURS = Cadence(
    job_name="t_plus_hours",
    label="T+hours",
    cron_schedule="0 */4 * * *",  # every 4 hours, on the hour (UTC)
    description="Incremental refresh: new deliveries only, T+hours strategies, warnings, serving.",
    dbt_select="fqn:*",
    dbt_exclude=f"tag:{DAILY_ONLY_TAG}",
    full_refresh=False,
    with_reports=False,
    max_runtime_seconds=3600,  # well before the next tick, 4 hours on
)

CADENCES = (T_PLUS_1, T_PLUS_HOURS)


# Unit tests feed fixed rows to the SQL, so a scheduled run would only repeat what CI proved: dbt
# Labs recommends leaving them to development and CI (`make test` runs them in every dbt build).
PRODUCTION_EXCLUDES = ["--exclude-resource-type", "unit_test"]


def dbt_build_args(full_refresh: bool) -> list[str]:
    """The dbt command of a scheduled build; Dagster adds the selection of the assets in the run."""
    return ["build", *(["--full-refresh"] if full_refresh else []), *PRODUCTION_EXCLUDES]
