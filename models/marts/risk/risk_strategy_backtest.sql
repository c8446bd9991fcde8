-- What each strategy would have done at other thresholds: for a grid of thresholds on the
-- strategy's main measure, the users it would alert, how many carry a fraud label (a fraudulent
-- chargeback or a confirmed investigation), precision, recall against all labelled fraudsters,
-- and the good customers it would bother (friction). Measured on the features as of the cutoff;
-- rebuild with --vars '{risk_as_of: ...}' for the grid as of an earlier moment. Pick a threshold
-- from this table, then set the strategy's var.
with features as (
    select * from {{ ref('risk_user_features') }}
),

labelled as (
    select
        user_id,
        bool_or(is_fraud_label) as is_fraud_label
    from {{ ref('risk_labels') }}
    where {{ known_by_cutoff('known_at') }}
    group by user_id
),

population as (
    select
        features.*,
        coalesce(labelled.is_fraud_label, false) as is_labelled_fraud_user
    from features
    left join labelled on features.user_id = labelled.user_id
),

grid as (
    select
        'usr_card_testing' as strategy_id,
        'max_attempts_in_hour' as measure,
        unnest([3, 5, 8, 10, 15, 20, 30]) as threshold
    union all
    select
        'usr_account_takeover' as strategy_id,
        'max_failed_logins_in_hour (with a password reset)' as measure,
        unnest([1, 2, 3, 4, 5, 6]) as threshold
    union all
    select
        'usr_mule_cashout' as strategy_id,
        'distinct_risky_buyers (with a payout)' as measure,
        unnest([1, 2, 3, 4, 5]) as threshold
    union all
    select
        'groups' as strategy_id,
        'group_risk_score' as measure,
        unnest([2, 3, 4, 5, 6, 8]) as threshold
),

hits as (
    select
        grid.strategy_id,
        grid.measure,
        grid.threshold,
        population.user_id,
        population.is_labelled_fraud_user
    from grid
    inner join population
        on
            (grid.strategy_id = 'usr_card_testing' and grid.threshold <= population.max_attempts_in_hour)
            or (
                grid.strategy_id = 'usr_account_takeover'
                and grid.threshold <= population.max_failed_logins_in_hour and population.password_resets >= 1
            )
            or (
                grid.strategy_id = 'usr_mule_cashout'
                and grid.threshold <= population.distinct_risky_buyers and population.payouts >= 1
            )
            or (
                grid.strategy_id = 'groups'
                and population.group_size >= 2
                and grid.threshold <= population.group_risk_score
            )
),

totals as (
    select
        count(*) filter (where is_labelled_fraud_user) as labelled_fraud_users,
        count(*) filter (where not is_labelled_fraud_user) as other_users
    from population
)

select
    grid.strategy_id,
    grid.measure,
    grid.threshold,
    count(hits.user_id) as users_alerted,
    count(hits.user_id) filter (where hits.is_labelled_fraud_user) as labelled_fraud_alerted,
    count(hits.user_id) filter (where hits.is_labelled_fraud_user) / nullif(count(hits.user_id), 0) as precision,
    count(hits.user_id) filter (where hits.is_labelled_fraud_user)
    / nullif(min(totals.labelled_fraud_users), 0) as recall,
    count(hits.user_id) filter (where not hits.is_labelled_fraud_user) as unlabelled_users_alerted,
    count(hits.user_id) filter (where not hits.is_labelled_fraud_user)
    / nullif(min(totals.other_users), 0) as friction_rate
from grid
cross join totals
left join hits
    on grid.strategy_id = hits.strategy_id and grid.threshold = hits.threshold
group by grid.strategy_id, grid.measure, grid.threshold
