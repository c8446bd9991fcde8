-- Every model version on every weekly scan: ROC-AUC, PR-AUC, precision and recall at the alert
-- budget, calibration (Brier score, mean score against the observed rate, expected calibration
-- error) once the scan's label window has closed, and the PSI of its scores every week.
select
    model_version,
    scan_at,
    week_role,
    was_champion,
    is_label_window_closed,
    users,
    labelled_fraud_users,
    roc_auc,
    pr_auc,
    alert_budget,
    users_alerted_at_budget,
    precision_at_budget,
    recall_at_budget,
    brier_score,
    mean_score,
    observed_fraud_rate,
    expected_calibration_error,
    score_psi,
    score_psi >= {{ var('risk_model_psi_warn', 0.25) }} as is_drift_warning
from {{ ref('int_risk_model__performance') }}
