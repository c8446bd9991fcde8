"""Jobs, schedules and sensors: small and declarative; the decisions are pure functions."""

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunConfig,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
    sensor,
)
from dagster_dbt import build_dbt_asset_selection

from orchestration import notify, serving, settings
from orchestration.assets import SERVING_KEY, DbtBuildConfig, warehouse_dbt
from orchestration.cadences import T_PLUS_1, T_PLUS_HOURS, Cadence
from orchestration.landing import (
    LandedTable,
    decode_cursor,
    encode_cursor,
    new_deliveries,
    zone_state,
)
from orchestration.reports import REPORTS_KEY
from orchestration.writer_lock import WriterLock, describe

# Dagster's run queue lets one run with this tag run at a time (orchestration/dagster.yaml); the
# writer lock covers runs started outside Dagster's queue (`make refresh`, a plain `dbt build`).
WRITER_TAG = "warehouse/writer"
ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


def job_selection(cadence: Cadence) -> AssetSelection:
    selection = build_dbt_asset_selection(
        [warehouse_dbt], dbt_select=cadence.dbt_select, dbt_exclude=cadence.dbt_exclude
    ) | AssetSelection.assets(SERVING_KEY)
    if cadence.with_reports:
        selection = selection | AssetSelection.assets(REPORTS_KEY)
    return selection


def cadence_job(cadence: Cadence):
    return define_asset_job(
        name=cadence.job_name,
        description=cadence.description,
        selection=job_selection(cadence),
        # One process per run: the writer lock (a resource) is held from the first step to the last.
        executor_def=in_process_executor,
        config=RunConfig(ops={"warehouse_dbt": DbtBuildConfig(full_refresh=cadence.full_refresh)}),
        tags={
            WRITER_TAG: "true",
            "cadence": cadence.label,
            "dagster/max_runtime": str(cadence.max_runtime_seconds),
        },
    )


t_plus_1_job = cadence_job(T_PLUS_1)
t_plus_hours_job = cadence_job(T_PLUS_HOURS)
JOBS = {T_PLUS_1.job_name: t_plus_1_job, T_PLUS_HOURS.job_name: t_plus_hours_job}


def hourly_tick_decision(served: dict | None, current: dict[str, dict]) -> RunRequest | SkipReason:
    """What a T+hours tick does, given the serving copy's info row (serving.serving_info). The
    marts are a pure function of the landing zone, so when nothing has landed since the build the
    copy comes from (its `landing_state`: the zone when that build started), a run would only
    reproduce them: skip it. Otherwise, or with no recorded state, refresh. A failed run publishes
    nothing, so the next tick tries again."""
    landing_state = (served or {}).get("landing_state")
    if landing_state is not None and not new_deliveries(landing_state, current):
        return SkipReason(
            "Nothing has landed since the build of the serving copy published at "
            f"{served['_run_published_at']}: a refresh would reproduce the same marts."
        )
    return RunRequest(tags={"trigger": "T+hours schedule"})


def schedule_settings(cadence: Cadence, note: str = "") -> dict:
    """What both schedules declare alike: name, job, cron, UTC, running by default."""
    return {
        "name": f"{cadence.job_name}_schedule",
        "job": JOBS[cadence.job_name],
        "cron_schedule": cadence.cron_schedule,
        "execution_timezone": "UTC",
        "default_status": DefaultScheduleStatus.RUNNING,
        "description": f"{cadence.label}: {cadence.description}{note}",
    }


def cadence_schedules(tables: list[LandedTable]) -> list:
    """T+1 runs every day (a full build, the daily scan and the reports); a T+hours tick runs only
    when something landed since the serving copy's build (hourly_tick_decision)."""

    @schedule(**schedule_settings(T_PLUS_HOURS, " Skipped when nothing landed."))
    def t_plus_hours_schedule(context: ScheduleEvaluationContext):
        return hourly_tick_decision(
            serving.serving_info(settings.serving_path()), zone_state(settings.raw_root(), tables)
        )

    return [ScheduleDefinition(**schedule_settings(T_PLUS_1)), t_plus_hours_schedule]


def landing_decision(
    cursor: str | None, current: dict[str, dict], busy: str | None
) -> tuple[RunRequest | SkipReason, str | None]:
    """What the landing sensor does: (request or skip, new cursor or None to keep the old one).
    The cursor moves only when a run is requested, so deliveries seen while busy are not lost."""
    changed = new_deliveries(decode_cursor(cursor), current)
    if not changed:
        return SkipReason("No new batches since the last look."), None
    if busy:
        return SkipReason(f"New batches in {len(changed)} table(s) but {busy}; next tick."), None
    latest = max((s["latest_batch"] or "" for s in current.values()), default="")
    request = RunRequest(
        run_key=f"landing:{hash(encode_cursor(current)) & 0xFFFFFFFF:08x}:{latest}",
        tags={"trigger": "new batches", "landing/latest_batch": latest},
    )
    return request, encode_cursor(current)


def landing_sensor(tables: list[LandedTable]):
    @sensor(
        name="landing_zone_sensor",
        job=t_plus_hours_job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts the T+hours refresh when new batches land in RAW_ROOT.",
    )
    def landing_zone_sensor(context: SensorEvaluationContext):
        current = zone_state(settings.raw_root(), tables)
        busy = None
        lock = WriterLock(settings.writer_lock_path())
        if lock.is_held():
            busy = f"{describe(lock.holder())} is writing"
        elif context.instance.get_runs_count(
            RunsFilter(job_name=t_plus_hours_job.name, statuses=ACTIVE)
        ):
            busy = "a T+hours run is already queued or running"
        decision, cursor = landing_decision(context.cursor, current, busy)
        if cursor is not None:
            context.update_cursor(cursor)
        return decision

    return landing_zone_sensor


@sensor(
    name="risk_notifications_sensor",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Notifies on-call of new marts.risk_warnings and critical marts.risk_alerts: an outbox "
        "(NOTIFICATION_OUTBOX, JSON lines) and ALERT_WEBHOOK_URL when set."
    ),
)
def risk_notifications_sensor(context: SensorEvaluationContext):
    path = settings.serving_path()
    published = serving.published_at(path)
    if published is None:
        return SkipReason(f"No serving copy at {path} yet.")
    if published == context.cursor:
        return SkipReason(f"Serving copy of {published} already looked at.")
    outcome = notify.notify(path, settings.notification_outbox(), settings.alert_webhook_url())
    context.update_cursor(published)
    return SkipReason(f"Serving copy of {published}: {outcome.summary()}.")
