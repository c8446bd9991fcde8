-- The learned risk score of every real user at the latest daily scan (T+1 cadence), by the champion
-- model of that scan, with the features that pushed it up. Replaying the deliveries and rebuilding
-- give the same scores: the scan uses only records delivered by then and the champion chosen then.
-- Until the first champion (the first weeks of any landing zone) every user of the latest scan is
-- listed unscored (score_status 'no_champion'), so the mart says why there is no score.
with scored as (
    select * from {{ ref('int_risk_model__scores') }}
    where is_latest_scan
),

latest_scan as (
    select max(scan_at) as scan_at
    from {{ ref('int_risk_model__scan_times') }}
),

-- the users of a scan: the feature-history periods containing it
unscored as (
    select
        periods.user_id,
        latest_scan.scan_at as scored_at
    from {{ ref('int_risk_model__feature_history') }} as periods
    inner join latest_scan
        on {{ period_contains('periods', 'latest_scan.scan_at') }}
    where not exists (select 1 from scored)
)

select
    user_id,
    scored_at,
    'scored' as score_status,
    score,
    model_version,
    rank() over (order by score desc) as score_rank,
    score_log_odds,
    base_score,
    base_log_odds,
    contribution_sum,
    reason_1,
    reason_1_value,
    reason_1_contribution,
    reason_2,
    reason_2_value,
    reason_2_contribution,
    reason_3,
    reason_3_value,
    reason_3_contribution,
    reasons
from scored
union all
select
    user_id,
    scored_at,
    'no_champion' as score_status,
    null as score,
    null as model_version,
    null as score_rank,
    null as score_log_odds,
    null as base_score,
    null as base_log_odds,
    null as contribution_sum,
    null as reason_1,
    null as reason_1_value,
    null as reason_1_contribution,
    null as reason_2,
    null as reason_2_value,
    null as reason_2_contribution,
    null as reason_3,
    null as reason_3_value,
    null as reason_3_contribution,
    null as reasons
from unscored
