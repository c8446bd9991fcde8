"""Notifications for on-call: new risk warnings and critical alerts, read from the serving copy.

Every new notification is appended to an outbox (JSON lines at NOTIFICATION_OUTBOX, one object per
notification: `notification_id`, `kind`, `source`, `notified_at`, `record`) that any on-call tool can
tail, and, when ALERT_WEBHOOK_URL is set, POSTed there as one JSON batch. The outbox is also the
memory of what was sent: a notification id is never sent twice.

The marts are built by the risk issues; a rule whose table or columns do not exist yet is skipped
with a note, never an error.
"""

import hashlib
import json
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

LEVEL_COLUMNS = ("warning_level", "level", "severity")
# Levels that call for action now (marts.risk_warnings: ok / watch / act; `watch` stays in the mart).
ACTION_LEVELS = ("act", "alert", "critical", "warn", "warning")


@dataclass(frozen=True)
class NotificationRule:
    kind: str
    schema: str
    table: str
    # (column, SQL condition using {column}); the first column the table has is used.
    conditions: tuple[tuple[str, str], ...]
    key_columns: tuple[str, ...] = ()  # identify a notification; default the whole record

    @property
    def source(self) -> str:
        return f"{self.schema}.{self.table}"


RULES = (
    NotificationRule(
        kind="critical_alert",
        schema="marts",
        table="risk_alerts",
        conditions=(("severity", "lower(trim({column}::varchar)) = 'critical'"),),
        key_columns=("alert_id",),
    ),
    NotificationRule(
        kind="risk_warning",
        schema="marts",
        table="risk_warnings",
        conditions=tuple(
            (column, "lower(trim({column}::varchar)) in " + repr(ACTION_LEVELS))
            for column in LEVEL_COLUMNS
        ),
        key_columns=("period_grain", "period_start", "kri", "dimension"),
    ),
)


@dataclass
class Outcome:
    sent: list[dict]
    notes: list[str]

    def summary(self) -> str:
        head = f"{len(self.sent)} new notification(s)"
        return "; ".join([head, *self.notes])


def notification_id(rule: NotificationRule, record: dict) -> str:
    if rule.key_columns and all(record.get(column) is not None for column in rule.key_columns):
        key = "|".join(str(record[column]) for column in rule.key_columns)
    else:
        stable = {k: v for k, v in record.items() if not k.startswith("_run_")}
        key = hashlib.md5(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()
    return f"{rule.source}:{key}"


def candidates(serving: Path, rules=RULES) -> tuple[list[dict], list[str]]:
    """Records the rules select from the serving copy, as notifications (not yet deduplicated)."""
    found, notes = [], []
    with duckdb.connect(str(serving), read_only=True) as connection:
        for rule in rules:
            columns = [
                row[0]
                for row in connection.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = ? and table_name = ? order by ordinal_position",
                    [rule.schema, rule.table],
                ).fetchall()
            ]
            if not columns:
                notes.append(f"{rule.source} does not exist yet")
                continue
            condition = next(
                (sql.format(column=f'"{c}"') for c, sql in rule.conditions if c in columns), None
            )
            if condition is None:
                notes.append(f"{rule.source} has none of {[c for c, _ in rule.conditions]}")
                continue
            result = connection.execute(
                f'select * from "{rule.schema}"."{rule.table}" where {condition}'
            )
            names = [description[0] for description in result.description]
            for values in result.fetchall():
                record = json.loads(json.dumps(dict(zip(names, values, strict=True)), default=str))
                found.append(
                    {
                        "notification_id": notification_id(rule, record),
                        "kind": rule.kind,
                        "source": rule.source,
                        "record": record,
                    }
                )
    return found, notes


def sent_ids(outbox: Path) -> set[str]:
    if not outbox.exists():
        return set()
    ids = set()
    for line in outbox.read_text(encoding="utf-8").splitlines():
        try:
            ids.add(json.loads(line)["notification_id"])
        except (ValueError, KeyError, TypeError):
            continue
    return ids


def pending(found: list[dict], already_sent: set[str]) -> list[dict]:
    """New notifications, each once, in a stable order."""
    seen, new = set(already_sent), []
    for notification in sorted(found, key=lambda n: n["notification_id"]):
        if notification["notification_id"] not in seen:
            seen.add(notification["notification_id"])
            new.append(notification)
    return new


def post(url: str, notifications: list[dict], timeout: float = 10.0) -> None:
    body = json.dumps({"notifications": notifications}, default=str).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (operator-set URL)
        response.read()


def notify(serving: Path, outbox: Path, webhook_url: str | None, rules=RULES) -> Outcome:
    found, notes = candidates(serving, rules)
    new = pending(found, sent_ids(outbox))
    if not new:
        return Outcome([], notes)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    new = [{**notification, "notified_at": stamp} for notification in new]
    outbox.parent.mkdir(parents=True, exist_ok=True)
    with outbox.open("a", encoding="utf-8") as handle:
        for notification in new:
            handle.write(json.dumps(notification, default=str) + "\n")
    if webhook_url:
        try:
            post(webhook_url, new)
            notes.append("posted to the webhook")
        except OSError as error:
            notes.append(f"webhook failed ({error}); the outbox has them")
    return Outcome(new, notes)
