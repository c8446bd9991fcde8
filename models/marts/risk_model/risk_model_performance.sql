-- Every model version on every weekly scan: ROC-AUC, PR-AUC, precision and recall at the alert
-- budget, calibration (Brier score, mean score against the observed rate, expected calibration
-- error) once the scan's label window has closed, and the PSI of its scores every week.
-- A weekly scan no version was measured on (before the first model of a landing zone) gets one row
-- with model_version null, week_role 'no_model' and the users of the scan, so the mart says so.
with measured as (
    select * from {{ ref('int_risk_model__performance') }}
),

measured_weeks as (
    select distinct scan_at from measured
),

unmeasured_weeks as (
    select scans.scan_at
    from {{ ref('int_risk_model__scan_times') }} as scans
    left join measured_weeks on scans.scan_at = measured_weeks.scan_at
    where scans.is_weekly_scan and measured_weeks.scan_at is null
),

-- the users of a scan: the feature-history periods containing it
unmeasured_week_users as (
    select
        unmeasured_weeks.scan_at,
        count(periods.user_id) as scanned_users
    from unmeasured_weeks
    left join {{ ref('int_risk_model__feature_history') }} as periods
        on {{ period_contains('periods', 'unmeasured_weeks.scan_at') }}
    group by unmeasured_weeks.scan_at
)

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
from measured
union all
select
    null as model_version,
    scan_at,
    'no_model' as week_role,
    false as was_champion,
    null as is_label_window_closed,
    scanned_users,  -- union all takes the first branch's names
    null as labelled_fraud_users,
    null as roc_auc,
    null as pr_auc,
    {{ var('risk_model_alert_budget', 0.01) }} as alert_budget,
    null as users_alerted_at_budget,
    null as precision_at_budget,
    null as recall_at_budget,
    null as brier_score,
    null as mean_score,
    null as observed_fraud_rate,
    null as expected_calibration_error,
    null as score_psi,
    null as is_drift_warning
from unmeasured_week_users
