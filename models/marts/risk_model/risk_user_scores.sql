-- The learned risk score of every real user at the latest daily scan (T+1 cadence), by the champion
-- model of that scan, with the features that pushed it up. Replaying the deliveries and rebuilding
-- give the same scores: the scan uses only records delivered by then and the champion chosen then.
select
    user_id,
    scored_at,
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
from {{ ref('int_risk_model__scores') }}
where is_latest_scan
