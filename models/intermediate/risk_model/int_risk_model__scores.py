"""Scores of the real users at every daily scan since the first champion, by the champion of that
scan, loaded from its saved model file (so a score is reproducible from the file). Every user is
scored at every scan; stored are the scores at or above var risk_model_reason_floor and every
user's score at the latest scan. Reason codes are computed on each user's latest scan and on every
scan at which the user's score reached a new high from the floor up (so the first scan at or above
any threshold carries them).

A run keeps the scans of its previous table before the first scan whose champion, snapshot or
code (`scan_fingerprint`) or latest-ness changed, and scores only the scans from there on: the
kept rows are what a full build gives them (risk_model.scoring.build). A table, not dbt's
incremental materialization: dbt-duckdb stages a Python model's incremental rows in a temporary
table of another cursor, which the merge cannot see; the kept rows are copied inside DuckDB.
The rescored scans are written from Python to a Parquet file beside the model versions, which the
warehouse then reads natively (warehouse.stage_batches): DuckDB pulling the scoring generator,
which queries the same connection, can deadlock."""

import os
import sys
from pathlib import Path

import duckdb


def _risk_model():
    for candidate in (os.environ.get("DBT_PROJECT_DIR"), os.getcwd()):
        if candidate and (Path(candidate) / "risk_model" / "__init__.py").exists():
            root = str(Path(candidate).resolve())
            if root not in sys.path:
                sys.path.insert(0, root)
            break
    import risk_model.scoring as scoring
    import risk_model.warehouse as warehouse

    return scoring, warehouse


# overwritten by each run (one writer at a time): the scans this run scored
RESCORED_FILE = "int_risk_model__scores_rescored.parquet"


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


def previous_scores(session, this):
    """This model's table from the last run, if it has the current columns."""
    try:
        previous = session.table(str(this))
    except duckdb.CatalogException:
        return None
    return previous if "scan_fingerprint" in previous.columns else None


def model(dbt, session):
    dbt.config(materialized="table")
    previous = previous_scores(session, dbt.this)
    scoring, warehouse = _risk_model()
    rescoring = scoring.build(
        config=settings(dbt),
        registry=dbt.ref("int_risk_model__registry"),
        scans=dbt.ref("int_risk_model__scan_times"),
        history=dbt.ref("int_risk_model__feature_history"),
        previous=previous,
    )
    staged = warehouse.stage_batches(
        rescoring.rows, warehouse.model_dir_from(settings(dbt)) / RESCORED_FILE
    )
    rescored = session.read_parquet(str(staged))
    kept = rescoring.kept_filter()
    if previous is None or kept is None:
        return rescored
    return previous.filter(kept).union(rescored)  # union all: by position, duplicates kept
