"""The bridge between the dbt Python models and this package: reading dbt relations into arrays,
the settings from the models' config, and the tables the models return."""

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from risk_model.features import FEATURES
from risk_model.lifecycle import Rows, Settings


def settings_from(config) -> Settings:
    """Settings from a dbt model's config (each key falls back to the default)."""
    defaults = Settings()
    values = {}
    for name in Settings.__dataclass_fields__:
        raw = config.get(name)
        if raw is None or raw == "":
            continue
        values[name] = type(getattr(defaults, name))(raw)
    return Settings(**values)


def model_dir_from(config) -> Path:
    """RISK_MODEL_DIR, or the `models` folder beside the warehouse file (data/models by default),
    so that a throw-away warehouse gets throw-away model files."""
    configured = config.get("model_dir")
    if configured:
        return Path(configured).resolve()
    warehouse = config.get("warehouse_path") or "data/warehouse.duckdb"
    return (Path(warehouse).resolve().parent / "models").resolve()


def to_datetime(value) -> datetime:
    return np.datetime64(value, "us").astype(datetime)


def sql_timestamps(scans) -> str:
    return ", ".join(f"timestamp '{to_datetime(s):%Y-%m-%d %H:%M:%S}'" for s in scans)


def arrays(relation) -> dict:
    table = relation.arrow()
    if hasattr(table, "read_all"):
        table = table.read_all()
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def timestamps(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[us]")


def rows_loader(training_relation):
    """A function giving the labelled rows of some scans."""

    def rows_for(scans) -> Rows:
        if not scans:
            columns = arrays(training_relation.limit(0))
        else:
            columns = arrays(training_relation.filter(f"scan_at in ({sql_timestamps(scans)})"))
        return Rows(
            user_id=np.asarray(columns["user_id"]).astype(str),
            scan_at=timestamps(columns["scan_at"]),
            x=feature_matrix(columns),
            y=np.asarray(columns["is_fraud_label"], dtype=bool),
            label_window_closes_at=timestamps(columns["label_window_closes_at"]),
            label_known_at=timestamps(columns["label_known_at"]),
            features_known_through=timestamps(columns["features_known_through"]),
        )

    return rows_for


def feature_matrix(columns: dict) -> np.ndarray:
    if len(columns["user_id"]) == 0:
        return np.zeros((0, len(FEATURES)))
    return np.column_stack([np.asarray(columns[f], dtype=np.float64) for f in FEATURES])


def snapshot_loader(snapshot_relation):
    """A function giving (user ids, feature matrix) of one scan, users in id order."""

    def snapshot(scan):
        columns = arrays(
            snapshot_relation.filter(f"scan_at = {sql_timestamps([scan])}").order("user_id")
        )
        return np.asarray(columns["user_id"]).astype(str), feature_matrix(columns)

    return snapshot


def scan_calendar(scan_relation) -> tuple[list[datetime], set[datetime]]:
    columns = arrays(scan_relation.order("scan_at"))
    scans = [to_datetime(s) for s in columns["scan_at"]]
    weekly = {
        to_datetime(s)
        for s, w in zip(columns["scan_at"], columns["is_weekly_scan"], strict=True)
        if w
    }
    return scans, weekly


def as_json(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def table(columns: dict, schema: pa.Schema) -> pa.Table:
    return pa.table(
        {name: pa.array(columns[name], type=schema.field(name).type) for name in schema.names},
        schema=schema,
    )
