"""int_risk_model__registry: replay the retraining over the scans and list every challenger."""

import math

import pyarrow as pa

from risk_model import prediction_cache, registry
from risk_model.lifecycle import Settings, replay, training_scans
from risk_model.scoring import code_version, scan_fingerprints
from risk_model.warehouse import (
    PointInTime,
    as_json,
    model_dir_from,
    rows_loader,
    scan_calendar,
    settings_from,
    snapshot_loader,
    table,
    timestamps,
)

SCHEMA = pa.schema(
    [
        ("model_version", pa.string()),
        ("decided_at", pa.timestamp("us")),
        ("retrain_trigger", pa.string()),
        ("previous_champion_version", pa.string()),
        ("promoted", pa.bool_()),
        ("decision_reason", pa.string()),
        ("champion_from", pa.timestamp("us")),
        ("champion_until", pa.timestamp("us")),
        ("is_current_champion", pa.bool_()),
        ("train_from_scan_at", pa.timestamp("us")),
        ("train_to_scan_at", pa.timestamp("us")),
        ("validation_scan_at", pa.timestamp("us")),
        ("train_rows", pa.int64()),
        ("train_positives", pa.int64()),
        ("validation_rows", pa.int64()),
        ("validation_positives", pa.int64()),
        ("challenger_pr_auc", pa.float64()),
        ("challenger_roc_auc", pa.float64()),
        ("challenger_precision_at_budget", pa.float64()),
        ("challenger_recall_at_budget", pa.float64()),
        ("champion_pr_auc", pa.float64()),
        ("champion_roc_auc", pa.float64()),
        ("champion_precision_at_budget", pa.float64()),
        ("champion_recall_at_budget", pa.float64()),
        ("champion_psi", pa.float64()),
        ("alert_budget", pa.float64()),
        ("label_window_days", pa.int64()),
        ("seed", pa.int64()),
        ("features", pa.string()),
        ("hyperparameters", pa.string()),
        ("library_versions", pa.string()),
        ("fingerprint", pa.string()),
        ("model_path", pa.string()),
    ]
)


def _number(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def rows_of(life, settings, model_dir) -> dict:
    columns = {name: [] for name in SCHEMA.names}
    promotions = [entry for entry in life.entries if entry["promoted"]]
    current = promotions[-1]["model_version"] if promotions else None
    for entry in life.entries:
        meta = entry["metadata"]
        until = None
        if entry["promoted"]:
            later = [p["decided_at"] for p in promotions if p["decided_at"] > entry["decided_at"]]
            until = later[0] if later else None
        challenger, champion = entry["challenger"], entry["champion"] or {}
        values = {
            "model_version": entry["model_version"],
            "decided_at": entry["decided_at"],
            "retrain_trigger": entry["trigger"],
            "previous_champion_version": entry["previous_champion"],
            "promoted": entry["promoted"],
            "decision_reason": entry["decision_reason"],
            "champion_from": entry["decided_at"] if entry["promoted"] else None,
            "champion_until": until,
            "is_current_champion": entry["model_version"] == current,
            "train_from_scan_at": timestamps([meta["train_from_scan"]])[0],
            "train_to_scan_at": timestamps([meta["train_to_scan"]])[0],
            "validation_scan_at": timestamps([meta["validation_scan"]])[0],
            "train_rows": meta["train_rows"],
            "train_positives": meta["train_positives"],
            "validation_rows": challenger["rows"],
            "validation_positives": challenger["positives"],
            "challenger_pr_auc": _number(challenger["pr_auc"]),
            "challenger_roc_auc": _number(challenger["roc_auc"]),
            "challenger_precision_at_budget": _number(challenger["precision_at_budget"]),
            "challenger_recall_at_budget": _number(challenger["recall_at_budget"]),
            "champion_pr_auc": _number(champion.get("pr_auc")),
            "champion_roc_auc": _number(champion.get("roc_auc")),
            "champion_precision_at_budget": _number(champion.get("precision_at_budget")),
            "champion_recall_at_budget": _number(champion.get("recall_at_budget")),
            "champion_psi": _number(entry["champion_psi"]),
            "alert_budget": settings.alert_budget,
            "label_window_days": settings.label_window_days,
            "seed": meta["seed"],
            "features": ",".join(meta["features"]),
            "hyperparameters": as_json(meta["hyperparameters"]),
            "library_versions": as_json(meta["libraries"]),
            "fingerprint": meta["fingerprint"],
            # relative to the model folder: the mart must not depend on where the warehouse lives
            "model_path": str(
                registry.version_dir(model_dir, entry["model_version"]).relative_to(model_dir)
            ),
        }
        for name in SCHEMA.names:
            columns[name].append(values[name])
    return columns


def training_fingerprints(point_in_time: PointInTime, calendar, settings: Settings):
    """A function giving what the labelled rows of some weekly scans are made of, as far as a
    retraining reads them (users, features, labels and their delivery times), and the code: one
    pass over the history for every week any scan of the calendar could train on."""
    weeks = sorted({week for scan in calendar for week in training_scans(scan, settings)})
    rows = point_in_time.fingerprints(weeks, extra=("label_known_at", "features_known_through"))
    code = code_version()
    return lambda scans: ";".join(rows[week] for week in scans) + f":{code}"


def build(config, scans, history) -> pa.Table:
    settings = settings_from(config)
    model_dir = model_dir_from(config)
    prediction_cache.prune(model_dir)
    calendar, weekly = scan_calendar(scans)
    point_in_time = PointInTime.of(history, scans, settings)
    snapshot = snapshot_loader(point_in_time)
    fingerprints = scan_fingerprints(point_in_time, calendar, settings.reason_floor)
    life = replay(
        calendar,
        weekly,
        rows_loader(point_in_time),
        prediction_cache.ScanScores(snapshot),
        settings,
        model_dir,
        scan_fingerprint=fingerprints.get,
        training_fingerprint=training_fingerprints(point_in_time, calendar, settings),
    )
    columns = rows_of(life, settings, model_dir)
    registry.write_registry(
        model_dir,
        [
            {k: v for k, v in zip(SCHEMA.names, values, strict=True)}
            for values in zip(*(columns[n] for n in SCHEMA.names), strict=True)
        ],
    )
    return table(columns, SCHEMA)
