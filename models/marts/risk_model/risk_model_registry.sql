-- One row per retraining the lifecycle attempted: every model version it produced, with the
-- champion/challenger decision taken at its retraining moment and what it rested on (the
-- challenger's and the champion's metrics on the same, latest validation week, the training
-- window, features, hyperparameters and library versions) - and every weekly retraining at which
-- no challenger could be trained yet, with model_version null and the reason, so the registry
-- says why there is no model instead of being empty (the first weeks of any landing zone).
with versions as (
    select * from {{ ref('int_risk_model__registry') }}
),

champions as (
    select
        model_version,
        champion_from,
        champion_until
    from versions
    where promoted
),

skipped_retrainings as (
    select scans.scan_at as decided_at
    from {{ ref('int_risk_model__scan_times') }} as scans
    left join versions on scans.scan_at = versions.decided_at
    where scans.is_weekly_scan and versions.decided_at is null
)

select
    model_version,
    decided_at,
    retrain_trigger,
    previous_champion_version,
    promoted,
    decision_reason,
    champion_from,
    champion_until,
    is_current_champion,
    train_from_scan_at,
    train_to_scan_at,
    validation_scan_at,
    train_rows,
    train_positives,
    validation_rows,
    validation_positives,
    challenger_pr_auc,
    challenger_roc_auc,
    challenger_precision_at_budget,
    challenger_recall_at_budget,
    champion_pr_auc,
    champion_roc_auc,
    champion_precision_at_budget,
    champion_recall_at_budget,
    champion_psi,
    alert_budget,
    label_window_days,
    seed,
    features,
    hyperparameters,
    library_versions,
    fingerprint,
    model_path
from versions
union all
select
    null as model_version,
    skipped.decided_at,
    'weekly' as retrain_trigger,
    champions.model_version as previous_champion_version,
    false as promoted,
    -- the conditions are risk_model.lifecycle.challenger_for's
    'no challenger trained: the weekly scans whose '
    || {{ var('risk_model_label_window_days', 28) }}
    || '-day label windows had closed by this moment were too few, or had too few fraud labels, '
    || 'to fit, calibrate and validate a model' as decision_reason,
    null as champion_from,
    null as champion_until,
    false as is_current_champion,
    null as train_from_scan_at,
    null as train_to_scan_at,
    null as validation_scan_at,
    null as train_rows,
    null as train_positives,
    null as validation_rows,
    null as validation_positives,
    null as challenger_pr_auc,
    null as challenger_roc_auc,
    null as challenger_precision_at_budget,
    null as challenger_recall_at_budget,
    null as champion_pr_auc,
    null as champion_roc_auc,
    null as champion_precision_at_budget,
    null as champion_recall_at_budget,
    null as champion_psi,
    {{ var('risk_model_alert_budget', 0.01) }} as alert_budget,
    {{ var('risk_model_label_window_days', 28) }} as label_window_days,
    {{ var('risk_model_seed', 7) }} as seed,
    null as features,
    null as hyperparameters,
    null as library_versions,
    null as fingerprint,
    null as model_path
from skipped_retrainings as skipped
left join champions
    on
        skipped.decided_at >= champions.champion_from
        and skipped.decided_at < coalesce(champions.champion_until, 'infinity'::timestamp)
