"""The learned risk score: training on point-in-time snapshots, calibrated gradient boosting,
reason codes, champion/challenger retraining and the model registry.

The warehouse runs it inside `dbt build` through the dbt Python models of
models/intermediate/risk_model/ (see their YAML for why there rather than in a Dagster asset);
everything here is plain Python on NumPy arrays so that it can be tested without dbt.
"""
