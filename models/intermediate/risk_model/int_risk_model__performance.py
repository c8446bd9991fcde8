"""How every model version does, week by week: on each weekly scan, the version's scores of that
scan's users against the labels once their window has closed (ROC-AUC, PR-AUC, precision and
recall at the alert budget, calibration) and the PSI of its scores against its reference
distribution (every week, labelled or not)."""

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
    import risk_model.monitoring as monitoring

    return monitoring


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
        history=dbt.ref("int_risk_model__feature_history"),
    )
