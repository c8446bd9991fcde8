"""Paths and settings, all from the environment (see README, Configuration)."""

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _path(variable: str, default: str) -> Path:
    value = os.environ.get(variable) or str(PROJECT_DIR / default)
    return Path(value).expanduser().resolve()


def _float(variable: str, default: float) -> float:
    value = os.environ.get(variable)
    return float(value) if value else default


def raw_root() -> Path:
    return _path("RAW_ROOT", "data/raw")


def warehouse_path() -> Path:
    return _path("WAREHOUSE_PATH", "data/warehouse.duckdb")


def serving_path() -> Path:
    return _path("SERVING_PATH", "data/serving.duckdb")


def reports_dir() -> Path:
    return _path("REPORTS_DIR", "data/reports")


def dbt_target_path() -> Path:
    """Where dbt writes its artifacts (dbt's own DBT_TARGET_PATH); Dagster reads the manifest there
    and gives every dbt invocation a sub-folder of it."""
    return _path("DBT_TARGET_PATH", "target")


def writer_lock_path() -> Path:
    """The file lock that lets one writer at a time build the warehouse (DuckDB has one writer)."""
    return Path(os.environ.get("WAREHOUSE_LOCK_PATH") or f"{warehouse_path()}.lock")


def writer_wait_seconds() -> float:
    """How long a refresh waits for another writer before giving up (WAREHOUSE_LOCK_WAIT_SECONDS)."""
    return _float("WAREHOUSE_LOCK_WAIT_SECONDS", 6 * 3600.0)


def notification_outbox() -> Path:
    """JSON lines, one per notification, that an on-call tool tails (NOTIFICATION_OUTBOX)."""
    return _path("NOTIFICATION_OUTBOX", "data/notifications/outbox.jsonl")


def alert_webhook_url() -> str | None:
    """Optional: every new notification is also POSTed as JSON here (ALERT_WEBHOOK_URL)."""
    return os.environ.get("ALERT_WEBHOOK_URL") or None
