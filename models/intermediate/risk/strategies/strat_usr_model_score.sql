-- The learned risk score as a strategy: a user whose score at a daily scan reaches var
-- risk_model_alert_threshold (chosen from marts.risk_model_threshold_backtest), raised at the first
-- such scan, with the features that pushed the score up. Only scores of a champion that proved
-- itself count: its PR-AUC on its validation week reached var risk_model_strategy_min_pr_auc (the
-- first models, trained on a few weeks, are confident and wrong too often to act on). The scan is
-- on the T+1 cadence and uses only records delivered by then, so replaying the deliveries raises
-- the same alerts.
{#- int_risk_model__scores stores scores from the reason floor up (and the latest scan): a lower
    threshold would miss crossings, so it is refused at compile time. -#}
{%- if var('risk_model_alert_threshold', 0.95) | float < var('risk_model_reason_floor', 0.05) | float -%}
    {{ exceptions.raise_compiler_error(
        "var risk_model_alert_threshold (" ~ var('risk_model_alert_threshold', 0.95)
        ~ ") must be at least var risk_model_reason_floor (" ~ var('risk_model_reason_floor', 0.05)
        ~ "): scores below the floor are stored for the latest scan only"
    ) }}
{%- endif %}

with trusted_models as (
    select model_version
    from {{ ref('int_risk_model__registry') }}
    where challenger_pr_auc >= {{ var('risk_model_strategy_min_pr_auc', 0.8) }}
),

crossings as (
    select
        scores.*,
        row_number() over (partition by scores.user_id order by scores.scored_at) as crossing
    from {{ ref('int_risk_model__scores') }} as scores
    inner join trusted_models on scores.model_version = trusted_models.model_version
    where scores.score >= {{ var('risk_model_alert_threshold', 0.95) }}
)

select
    'usr_model_score' as strategy_id,
    'user' as entity_type,
    crossings.user_id as entity_id,
    crossings.scored_at as condition_met_at,
    round(100 * crossings.score, 1) as score,
    history.payout_usd + history.topup_usd + history.bonus_usd as money_at_risk_usd,
    'learned risk score ' || round(crossings.score, 3) || ' (model ' || crossings.model_version || ')'
    || coalesce(', pushed up by ' || crossings.reasons, '') as reason
from crossings
inner join {{ ref('int_risk_model__feature_history') }} as history
    on
        crossings.user_id = history.user_id
        and {{ period_contains('history', 'crossings.scored_at') }}
where crossings.crossing = 1
