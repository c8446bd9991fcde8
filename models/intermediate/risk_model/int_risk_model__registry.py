"""The model registry: every challenger the weekly (or drift-triggered) retraining produced, replayed
over the daily scans, with the champion/challenger decision and the metrics it rested on. Trains
(or reloads) the model files under the model folder and rewrites its registry.json. The learning
itself lives in the project's `risk_model` package (scikit-learn's gradient boosting)."""

import os
import sys
from pathlib import Path


def _risk_model():
    """Put the project root (where dbt runs) on the path and import the package."""
    for candidate in (os.environ.get("DBT_PROJECT_DIR"), os.getcwd()):
        if candidate and (Path(candidate) / "risk_model" / "__init__.py").exists():
            root = str(Path(candidate).resolve())
            if root not in sys.path:
                sys.path.insert(0, root)
            break
    import risk_model.registry_model as registry_model

    return registry_model


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
        scans=dbt.ref("int_risk_model__scan_times"),
        history=dbt.ref("int_risk_model__feature_history"),
    )
