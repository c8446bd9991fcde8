"""The sensors' cursor logic: new batches start the T+hours job once; notifications are sent once."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from dagster import DagsterInstance, build_schedule_context, build_sensor_context
from orchestration_fixtures import (  # noqa: F401 (fixtures)
    dbt_target,
    definitions,
    orchestration_env,
    orchestration_paths,
    write_tables,
)

from orchestration import notify, serving
from orchestration.automation import hourly_tick_decision
from orchestration.landing import (
    LandedTable,
    decode_cursor,
    encode_cursor,
    new_deliveries,
    zone_state,
)
from orchestration.writer_lock import WriterLock

USERS = LandedTable("app", "users", "csv")
TRADES = LandedTable("trading", "trades", "parquet")


def deliver(zone: Path, table: LandedTable, batch: str) -> None:
    path = zone / table.system / table.table / f"{batch}.{table.extension}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("user_id\n")


def sensor(definitions, name):  # noqa: F811
    return next(s for s in definitions.sensors if s.name == name)


def schedule(definitions, name):  # noqa: F811
    return next(s for s in definitions.schedules if s.name == name)


def test_zone_state_reads_file_names_only(tmp_path):
    deliver(tmp_path, USERS, "2026-01-05T10")
    deliver(tmp_path, USERS, "2026-01-05T11")
    (tmp_path / "app" / "users" / "notes.txt").write_text("not a delivery")
    (tmp_path / "app" / "users" / "2026-01-05T12.json").write_text("{}")  # wrong extension
    assert zone_state(tmp_path, [USERS, TRADES]) == {
        "app/users": {"latest_batch": "2026-01-05T11", "files": 2},
        "trading/trades": {"latest_batch": None, "files": 0},
    }


def test_new_deliveries_by_newer_batch_or_more_files():
    before = {"app/users": {"latest_batch": "2026-01-05T11", "files": 2}}
    assert new_deliveries(before, before) == []
    assert new_deliveries({}, before) == ["app/users"]
    newer = {"app/users": {"latest_batch": "2026-01-05T12", "files": 3}}
    assert new_deliveries(before, newer) == ["app/users"]
    late = {
        "app/users": {"latest_batch": "2026-01-05T11", "files": 3}
    }  # an earlier hour landed late
    assert new_deliveries(before, late) == ["app/users"]
    empty = {"app/users": {"latest_batch": None, "files": 0}}
    assert new_deliveries({}, empty) == []
    assert decode_cursor(encode_cursor(newer)) == newer
    assert decode_cursor("not json") == {} and decode_cursor(None) == {}


def test_landing_sensor_requests_one_run_per_new_delivery(
    definitions,  # noqa: F811
    orchestration_env,  # noqa: F811
    monkeypatch,
):
    zone = orchestration_env / "raw"
    monkeypatch.setenv("RAW_ROOT", str(zone))
    landing = sensor(definitions, "landing_zone_sensor")
    instance = DagsterInstance.ephemeral()

    def tick(cursor):
        context = build_sensor_context(cursor=cursor, instance=instance)
        result = landing.evaluate_tick(context)
        return result, result.cursor if result.cursor is not None else cursor

    result, cursor = tick(None)
    assert not result.run_requests and "No new batches" in result.skip_message

    deliver(zone, USERS, "2026-01-05T10")
    result, cursor = tick(cursor)
    (request,) = result.run_requests
    assert request.tags["landing/latest_batch"] == "2026-01-05T10"
    assert decode_cursor(cursor)["app/users"] == {"latest_batch": "2026-01-05T10", "files": 1}

    result, cursor = tick(cursor)
    assert not result.run_requests  # nothing new: no second run

    # New batches while another writer holds the warehouse: skip, keep the cursor, ask next tick.
    deliver(zone, USERS, "2026-01-05T11")
    with WriterLock(Path(f"{orchestration_env / 'warehouse.duckdb'}.lock")).hold(
        {"job": "t_plus_1"}, wait_seconds=0
    ):
        busy, busy_cursor = tick(cursor)
    assert not busy.run_requests and "is writing" in busy.skip_message
    assert busy_cursor == cursor
    result, cursor = tick(cursor)
    assert len(result.run_requests) == 1
    assert decode_cursor(cursor)["app/users"]["latest_batch"] == "2026-01-05T11"


def test_an_hourly_tick_runs_only_when_something_landed_since_the_served_build(
    definitions,  # noqa: F811
    orchestration_env,  # noqa: F811
    monkeypatch,
):
    """The serving copy keeps the landing zone its build started from; a T+hours tick with no
    file landed since would only reproduce the marts, so it is skipped. A late file of an old hour
    counts as much as a new hour."""
    zone = orchestration_env / "raw"
    monkeypatch.setenv("RAW_ROOT", str(zone))
    served = orchestration_env / "serving" / "serving.duckdb"
    hourly = schedule(definitions, "t_plus_hours_schedule")
    tables = [USERS, TRADES]

    def tick():
        with build_schedule_context(instance=DagsterInstance.ephemeral()) as context:
            return hourly.evaluate_tick(context)

    assert len(tick().run_requests) == 1  # no serving copy yet

    deliver(zone, USERS, "2026-01-05T10")
    warehouse = orchestration_env / "marts_source.duckdb"
    write_tables(warehouse, {"marts.dim_users": "select 'u1' as user_id"})
    serving.publish(warehouse, served)  # published without a landing state
    assert serving.served_landing_state(served) is None
    assert len(tick().run_requests) == 1

    served_zone = zone_state(zone, tables)
    serving.publish(warehouse, served, landing_state=served_zone)
    assert serving.served_landing_state(served) == served_zone
    idle = tick()
    assert not idle.run_requests and "Nothing has landed since" in idle.skip_message

    deliver(zone, USERS, "2026-01-05T08")  # a late file of an earlier hour
    (request,) = tick().run_requests
    assert request.tags["trigger"] == "T+hours schedule"
    assert hourly_tick_decision({"landing_state": served_zone}, zone_state(zone, tables)).tags


class Webhook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        Webhook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def publish_marts(orchestration_env, tables):  # noqa: F811
    warehouse = orchestration_env / "marts_source.duckdb"
    warehouse.unlink(missing_ok=True)
    write_tables(warehouse, tables)
    serving.publish(warehouse, orchestration_env / "serving" / "serving.duckdb")


def test_notification_sensor_tolerates_missing_marts_and_notifies_once(
    definitions,  # noqa: F811
    orchestration_env,  # noqa: F811
    monkeypatch,
):
    notifications = sensor(definitions, "risk_notifications_sensor")
    outbox = orchestration_env / "outbox.jsonl"
    server = HTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    Webhook.received.clear()

    def tick(cursor):
        result = notifications.evaluate_tick(build_sensor_context(cursor=cursor))
        assert not result.run_requests
        return result, result.cursor if result.cursor is not None else cursor

    try:
        result, cursor = tick(None)
        assert "No serving copy" in result.skip_message

        # The risk marts do not exist yet: a note, no error, nothing sent.
        publish_marts(orchestration_env, {"marts.dim_users": "select 1 as user_id"})
        result, cursor = tick(cursor)
        assert "marts.risk_alerts does not exist yet" in result.skip_message
        assert not outbox.exists()

        alerts = """
            select * from (values ('a1', 'critical', 'u1'), ('a2', 'high', 'u2'))
                as t(alert_id, severity, entity_id)
        """
        warnings = """
            select * from (values ('day', date '2026-01-05', 'payment_decline_rate', 'all', 'act'),
                                  ('day', date '2026-01-05', 'signups', 'all', 'watch'),
                                  ('4h', date '2026-01-05', 'signups', 'all', 'ok'))
                as t(period_grain, period_start, kri, dimension, warning_level)
        """
        publish_marts(
            orchestration_env, {"marts.risk_alerts": alerts, "marts.risk_warnings": warnings}
        )
        result, cursor = tick(cursor)
        sent = [json.loads(line) for line in outbox.read_text().splitlines()]
        assert sorted(n["kind"] for n in sent) == ["critical_alert", "risk_warning"]
        assert {n["record"].get("alert_id") for n in sent} == {"a1", None}
        assert len(Webhook.received) == 1 and len(Webhook.received[0]["notifications"]) == 2

        result, cursor = tick(cursor)  # same publication: not looked at again
        assert "already looked at" in result.skip_message

        # A new publication with one more critical alert: only that one is sent.
        alerts_more = alerts.replace(
            "('a2', 'high', 'u2')", "('a2', 'high', 'u2'), ('a3', 'Critical', 'u3')"
        )
        publish_marts(
            orchestration_env, {"marts.risk_alerts": alerts_more, "marts.risk_warnings": warnings}
        )
        result, cursor = tick(cursor)
        sent = [json.loads(line) for line in outbox.read_text().splitlines()]
        assert len(sent) == 3 and sent[-1]["record"]["alert_id"] == "a3"
        assert len(Webhook.received) == 2
    finally:
        server.shutdown()


def test_notification_ids_are_stable():
    rule = notify.RULES[0]
    assert notify.notification_id(rule, {"alert_id": "a1", "_run_at": 1}) == "marts.risk_alerts:a1"
    warning_rule = notify.RULES[1]
    warning = {"period_grain": "day", "period_start": "2026-01-05", "kri": "payouts"}
    warning |= {"dimension": "all", "value": 12}
    assert notify.notification_id(warning_rule, warning) == (
        "marts.risk_warnings:day|2026-01-05|payouts|all"
    )
    assert notify.notification_id(warning_rule, warning | {"value": 13}) == (
        notify.notification_id(warning_rule, warning)
    )  # a warning whose figure moves with late data is not sent again
    keyless = {"day": "2026-01-05", "_run_at": "x"}
    assert notify.notification_id(warning_rule, keyless) == notify.notification_id(
        warning_rule, keyless | {"_run_at": "y"}
    )  # without its key columns: the record, whatever the time of the run
    assert notify.pending(
        [{"notification_id": "b"}, {"notification_id": "a"}, {"notification_id": "a"}], {"b"}
    ) == [{"notification_id": "a"}]
