"""Scores of every real user at every daily scan since the first champion, by the champion of that
scan, loaded from its saved model file (so a score is reproducible from the file). Reason codes are
computed on each user's latest scan and on every scan at which the user's score reached a new high
(so the first scan at or above any threshold carries them)."""

import os
import sys
from pathlib import Path


def _risk_model():
    for candidate in (os.environ.get("DBT_PROJECT_DIR"), os.getcwd()):
        if candidate and (Path(candidate) / "risk_model" / "__init__.py").exists():
            root = str(Path(candidate).resolve())
            if root not in sys.path:
                sys.path.insert(0, root)
            break
    import risk_model.scoring as scoring

    return scoring


def settings(dbt) -> dict:
    """The config keys the risk_model package reads (dbt only passes keys read literally here)."""
    return {
        "model_dir": dbt.config.get("model_dir"),
        "warehouse_path": dbt.config.get("warehouse_path"),
        "seed": dbt.config.get("seed"),
        "label_window_days": dbt.config.get("label_window_days"),
        "max_train_weeks": dbt.config.get("max_train_weeks"),
        "alert_budget": dbt.config.get("alert_budget"),
        "psi_warn": dbt.config.get("psi_warn"),
        "min_days_between_retrains": dbt.config.get("min_days_between_retrains"),
        "reason_floor": dbt.config.get("reason_floor"),
    }


def model(dbt, session):
    dbt.config(materialized="table")
    return _risk_model().build(
        config=settings(dbt),
        registry=dbt.ref("int_risk_model__registry"),
        scans=dbt.ref("int_risk_model__scan_times"),
        snapshots=dbt.ref("int_risk_model__user_snapshots"),
    )
