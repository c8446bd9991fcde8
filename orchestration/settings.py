"""Paths and settings, all from the environment (see README, Configuration)."""

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _path(variable: str, default: str) -> Path:
    value = os.environ.get(variable) or str(PROJECT_DIR / default)
    return Path(value).expanduser().resolve()


def raw_root() -> Path:
    return _path("RAW_ROOT", "data/raw")


def warehouse_path() -> Path:
    return _path("WAREHOUSE_PATH", "data/warehouse.duckdb")


def serving_path() -> Path:
    return _path("SERVING_PATH", "data/serving.duckdb")


def reports_dir() -> Path:
    return _path("REPORTS_DIR", "data/reports")
