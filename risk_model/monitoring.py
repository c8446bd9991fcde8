"""int_risk_model__performance: every model version on every weekly scan."""

import functools
import math

import numpy as np
import pyarrow as pa

from risk_model import metrics, prediction_cache
from risk_model.lifecycle import Settings
from risk_model.scoring import code_version, load_models
from risk_model.warehouse import (
    PointInTime,
    arrays,
    model_dir_from,
    scan_calendar,
    settings_from,
    snapshot_loader,
    table,
)

SCHEMA = pa.schema(
    [
        ("model_version", pa.string()),
        ("scan_at", pa.timestamp("us")),
        ("week_role", pa.string()),
        ("was_champion", pa.bool_()),
        ("is_label_window_closed", pa.bool_()),
        ("users", pa.int64()),
        ("labelled_fraud_users", pa.int64()),
        ("roc_auc", pa.float64()),
        ("pr_auc", pa.float64()),
        ("alert_budget", pa.float64()),
        ("users_alerted_at_budget", pa.int64()),
        ("precision_at_budget", pa.float64()),
        ("recall_at_budget", pa.float64()),
        ("brier_score", pa.float64()),
        ("mean_score", pa.float64()),
        ("observed_fraud_rate", pa.float64()),
        ("expected_calibration_error", pa.float64()),
        ("score_psi", pa.float64()),
    ]
)


def _value(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def week_role(scan, train_from, train_to, validation) -> str:
    if scan < train_from:
        return "before_training"
    if scan <= train_to:
        return "training"
    if scan <= validation:
        return "validation"
    return "out_of_time"


def week_fingerprints(point_in_time: PointInTime, weeks) -> dict:
    """Per weekly scan, what its rows are made of (users, features, labels, closed windows) and
    the code: a count and sum of row hashes computed in the warehouse."""
    code = code_version()
    closed = point_in_time.closed_windows(weeks)
    return {
        week: f"{rows}:{closed[week]}:{code}"
        for week, rows in point_in_time.fingerprints(
            weeks, extra=("label_known_at is not null",)
        ).items()
    }


def measure(model, rows: dict, settings: Settings, score: np.ndarray | None = None) -> dict:
    """A version's figures on one week's rows (metrics only once the labels have matured);
    `score`: the model's scores of rows["x"], when already known."""
    users = len(rows["y"])
    score = prediction_cache.predict(model, rows["x"]) if score is None else score
    closed = bool(rows["closed"].all()) if users else False
    evaluated = metrics.evaluate(rows["y"], score, settings.alert_budget) if closed else {}
    return {
        "users": users,
        "closed": closed,
        "metrics": {k: _value(v.item() if hasattr(v, "item") else v) for k, v in evaluated.items()},
        "labelled_fraud_users": int(rows["y"].sum()) if closed else None,
        "mean_score": float(score.mean()) if score.size else None,
        "score_psi": _value(
            float(metrics.psi(model.metadata["psi_shares"], score, model.metadata["psi_edges"]))
        ),
    }


def build(config, registry, scans, history) -> pa.Table:
    settings: Settings = settings_from(config)
    versions = arrays(registry.order("decided_at"))
    columns = {name: [] for name in SCHEMA.names}
    if len(versions["model_version"]) == 0:
        return table(columns, SCHEMA)
    models = load_models(model_dir_from(config), list(versions["model_version"]))
    _, weekly = scan_calendar(scans)
    weeks = sorted(weekly)
    if not weeks:
        return table(columns, SCHEMA)
    point_in_time = PointInTime.of(history, scans, settings)
    fingerprints = week_fingerprints(point_in_time, weeks)
    # the weeks are read in order, each from the one before (most users' rows carry over, and
    # each version keeps the scores of those whose account age stayed between its thresholds)
    snapshot = snapshot_loader(point_in_time)
    scores_of = {str(version): prediction_cache.ScanScores(snapshot) for version in models}
    # one week of rows in memory at a time (every user of a weekly scan), read only when a version
    # has not been measured on exactly these rows before
    for week in weeks:

        @functools.cache
        def week_rows(week=week) -> dict:
            labels = arrays(
                point_in_time.at([week])
                .project("user_id, is_fraud_label, is_label_window_closed")
                .order("user_id")
            )
            users, x = snapshot(week)
            if not np.array_equal(np.asarray(labels["user_id"]).astype(str), users):
                raise ValueError(f"labels and features of {week} disagree on the users")
            return {
                "y": np.asarray(labels["is_fraud_label"], dtype=bool),
                "closed": np.asarray(labels["is_label_window_closed"], dtype=bool),
                "x": x,
            }

        for i, version in enumerate(versions["model_version"]):
            model = models[str(version)]
            from_ = versions["champion_from"][i]
            until = versions["champion_until"][i]
            measured = prediction_cache.remembered(
                model,
                f"week:{fingerprints[week]}:{settings.alert_budget!r}",
                lambda model=model, version=str(version), week=week, week_rows=week_rows: measure(
                    model, week_rows(), settings, scores_of[version](model, week)
                ),
            )
            users, closed, evaluated = measured["users"], measured["closed"], measured["metrics"]
            week64 = np.datetime64(week, "us")
            was_champion = (
                bool(versions["promoted"][i])
                and week64 >= np.datetime64(from_, "us")
                and (
                    until is None
                    or np.isnat(np.datetime64(until, "us"))
                    or week64 < np.datetime64(until, "us")
                )
            )
            values = {
                "model_version": str(version),
                "scan_at": week,
                "week_role": week_role(
                    week64,
                    np.datetime64(versions["train_from_scan_at"][i], "us"),
                    np.datetime64(versions["train_to_scan_at"][i], "us"),
                    np.datetime64(versions["validation_scan_at"][i], "us"),
                ),
                "was_champion": was_champion,
                "is_label_window_closed": closed,
                "users": users,
                "labelled_fraud_users": measured["labelled_fraud_users"],
                "roc_auc": _value(evaluated.get("roc_auc")),
                "pr_auc": _value(evaluated.get("pr_auc")),
                "alert_budget": settings.alert_budget,
                "users_alerted_at_budget": metrics.top_k(users, settings.alert_budget)
                if users
                else 0,
                "precision_at_budget": _value(evaluated.get("precision_at_budget")),
                "recall_at_budget": _value(evaluated.get("recall_at_budget")),
                "brier_score": _value(evaluated.get("brier")),
                "mean_score": measured["mean_score"],
                "observed_fraud_rate": _value(evaluated.get("observed_rate")),
                "expected_calibration_error": _value(evaluated.get("ece")),
                "score_psi": _value(measured["score_psi"]),
            }
            for name in SCHEMA.names:
                columns[name].append(values[name])
    return table(columns, SCHEMA)
