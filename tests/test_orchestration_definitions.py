"""The Dagster code location loads, with the assets, checks, jobs, schedules and sensors it promises."""

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml
from dagster import AssetKey, DefaultScheduleStatus, build_schedule_context
from dagster._utils.schedules import cron_string_iterator
from orchestration_fixtures import dbt_target, definitions  # noqa: F401 (fixtures)

from orchestration.cadences import T_PLUS_1, T_PLUS_HOURS, dbt_build_args
from orchestration.translator import asset_key, group_name


def manifest(dbt_target):  # noqa: F811
    return json.loads((dbt_target / "manifest.json").read_text())


def test_definitions_load_with_every_layer_as_assets(definitions):  # noqa: F811
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert "marts/dim_users" in keys
    assert "audit/load_reconciliation" in keys
    assert "staging/base_app__users" in keys
    assert "serving/bi_copy" in keys
    assert "reports/index" in keys
    landing = {key for key in keys if key.startswith("landing/")}
    assert len(landing) == 15
    assert all(graph.get(AssetKey.from_user_string(key)).is_observable for key in landing)


def test_every_dbt_data_test_is_an_asset_check_and_errors_block(definitions, dbt_target):  # noqa: F811
    checks = {
        check.name: check
        for assets_def in definitions.resolve_asset_graph().assets_defs
        for check in assets_def.check_specs
    }
    nodes = manifest(dbt_target)["nodes"].values()
    data_tests = [
        node
        for node in nodes
        if node["resource_type"] == "test" and node.get("attached_node", "").startswith("model.")
    ]
    assert data_tests
    missing = [test["name"] for test in data_tests if test["name"] not in checks]
    assert missing == []
    for test in data_tests:
        severity = (test["config"].get("severity") or "error").lower()
        assert checks[test["name"]].blocking == (severity == "error"), test["name"]


def test_groups_follow_layer_and_domain(definitions):  # noqa: F811
    graph = definitions.resolve_asset_graph()

    def group(key):
        return graph.get(AssetKey.from_user_string(key)).group_name

    assert group("staging/base_payments__payment_attempts") == "staging_payments"
    assert group("staging/stg_app__users") == "staging_app"
    assert group("marts/dim_users") == "marts_core"
    assert group("audit/rejected_records") == "audit"
    assert group("landing/trading/trades") == "landing"
    assert group("serving/bi_copy") == "serving"


def test_translator_policy_on_resource_properties():
    model = {
        "resource_type": "model",
        "name": "int_users__acquisition",
        "schema": "intermediate",
        "fqn": ["marketplace_warehouse", "intermediate", "acquisition", "int_users__acquisition"],
    }
    source = {"resource_type": "source", "source_name": "payments", "name": "payouts"}
    seed = {"resource_type": "seed", "name": "currencies", "schema": "staging", "fqn": []}
    assert group_name(model) == "intermediate_acquisition"
    assert asset_key(model) == AssetKey(["intermediate", "int_users__acquisition"])
    assert group_name(source) == "landing"
    assert asset_key(source) == AssetKey(["landing", "payments", "payouts"])
    assert group_name(seed) == "seeds"


def test_jobs_cover_their_cadence(definitions):  # noqa: F811
    daily = definitions.resolve_job_def(T_PLUS_1.job_name)
    hourly = definitions.resolve_job_def(T_PLUS_HOURS.job_name)
    daily_keys = {key.to_user_string() for key in daily.asset_layer.selected_asset_keys}
    hourly_keys = {key.to_user_string() for key in hourly.asset_layer.selected_asset_keys}
    assert {"serving/bi_copy", "reports/index", "marts/dim_users"} <= daily_keys
    assert {"serving/bi_copy", "marts/dim_users", "staging/base_app__users"} <= hourly_keys
    assert "reports/index" not in hourly_keys
    assert not any(key.startswith("landing/") for key in daily_keys | hourly_keys)
    assert daily.tags["warehouse/writer"] == hourly.tags["warehouse/writer"]


def test_a_hung_run_is_failed_before_the_next_tick(definitions):  # noqa: F811
    """Each job carries a max runtime shorter than the time to its next tick, and the instance
    enables the run monitoring that enforces it (a hung build holds the writer slot)."""
    schedules = {schedule.job_name: schedule for schedule in definitions.schedules}
    start = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
    for name, schedule in schedules.items():
        ticks = cron_string_iterator(start, schedule.cron_schedule, "UTC")
        first, second = next(ticks), next(ticks)
        max_runtime = float(definitions.resolve_job_def(name).tags["dagster/max_runtime"])
        assert 0 < max_runtime < (second - first).total_seconds()
    instance_settings = yaml.safe_load(
        (Path(__file__).parents[1] / "orchestration" / "dagster.yaml").read_text()
    )
    assert instance_settings["run_monitoring"]["enabled"] is True


def test_schedules_daily_early_morning_and_every_four_hours(definitions):  # noqa: F811
    schedules = {schedule.job_name: schedule for schedule in definitions.schedules}
    daily, hourly = schedules[T_PLUS_1.job_name], schedules[T_PLUS_HOURS.job_name]
    assert daily.cron_schedule == "30 5 * * *"
    assert hourly.cron_schedule == "0 */4 * * *"
    for schedule in (daily, hourly):
        assert schedule.execution_timezone == "UTC"
        assert schedule.default_status == DefaultScheduleStatus.RUNNING

    def fires(schedule, count):
        start = datetime(2026, 3, 1, tzinfo=UTC).timestamp()
        ticks = cron_string_iterator(start, schedule.cron_schedule, "UTC")
        return [next(ticks) for _ in range(count)]

    daily_ticks = fires(daily, 3)
    assert [(t.day, t.hour, t.minute) for t in daily_ticks] == [(1, 5, 30), (2, 5, 30), (3, 5, 30)]
    hourly_ticks = fires(hourly, 7)
    assert [t.hour for t in hourly_ticks] == [0, 4, 8, 12, 16, 20, 0][: len(hourly_ticks)]
    assert len({t.day for t in hourly_ticks[:6]}) == 1  # six runs a day

    with build_schedule_context(scheduled_execution_time=daily_ticks[0]) as context:
        (request,) = daily.evaluate_tick(context).run_requests
    assert request.job_name in (None, T_PLUS_1.job_name)


def test_sensors_are_declared(definitions):  # noqa: F811
    sensors = {sensor.name: sensor for sensor in definitions.sensors}
    assert sensors["landing_zone_sensor"].job_name == T_PLUS_HOURS.job_name
    assert "risk_notifications_sensor" in sensors


def test_dbt_arguments_per_cadence():
    scheduled = ["--exclude-resource-type", "unit_test"]  # unit tests run in CI, not on schedules
    assert dbt_build_args(full_refresh=True) == ["build", "--full-refresh", *scheduled]
    assert dbt_build_args(full_refresh=False) == ["build", *scheduled]
    assert T_PLUS_1.full_refresh and T_PLUS_1.with_reports
    assert not T_PLUS_HOURS.full_refresh and not T_PLUS_HOURS.with_reports
    assert T_PLUS_HOURS.dbt_exclude == "tag:daily_only"
