-- Where to set var risk_model_alert_threshold: for a grid of score thresholds on the latest scan,
-- the users the model strategy would alert, how many carry a fraud label known by the cutoff,
-- precision, recall and friction - and what it adds to the rule strategies (users they do not
-- already cover, and the labelled fraudsters among them). Same shape as risk_strategy_backtest.
with scores as (
    select
        user_id,
        score
    from {{ ref('risk_user_scores') }}
    where score_status = 'scored'
),

labelled as (
    select
        user_id,
        bool_or(is_fraud_label) as is_fraud_label
    from {{ ref('risk_labels') }}
    group by user_id
),

rule_hits as (
    {%- for strategy_model in risk_strategy_models() if strategy_model != 'strat_usr_model_score' %}
        select
            entity_type,
            entity_id
        from {{ ref(strategy_model) }}
        where condition_met_at is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

rule_covered as (
    select distinct coalesce(members.user_id, rule_hits.entity_id) as user_id
    from rule_hits
    left join {{ ref('risk_group_members') }} as members
        on members.group_id = {{ entity_id_of_type('rule_hits', 'group') }}
),

population as (
    select
        scores.user_id,
        scores.score,
        coalesce(labelled.is_fraud_label, false) as is_labelled_fraud_user,
        rule_covered.user_id is not null as is_rule_covered
    from scores
    left join labelled on scores.user_id = labelled.user_id
    left join rule_covered on scores.user_id = rule_covered.user_id
),

grid as (
    select unnest([0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]) as threshold
),

totals as (
    select
        count(*) filter (where is_labelled_fraud_user) as labelled_fraud_users,
        count(*) filter (where not is_labelled_fraud_user) as other_users,
        count(*) filter (where is_labelled_fraud_user and is_rule_covered) as labelled_fraud_rule_covered
    from population
)

select
    'usr_model_score' as strategy_id,
    'score (latest scan)' as measure,
    cast(grid.threshold as double) as threshold,
    count(population.user_id) as users_alerted,
    count(population.user_id) filter (where population.is_labelled_fraud_user) as labelled_fraud_alerted,
    count(population.user_id) filter (where population.is_labelled_fraud_user)
    / nullif(count(population.user_id), 0) as precision,  -- noqa: RF04
    count(population.user_id) filter (where population.is_labelled_fraud_user)
    / nullif(min(totals.labelled_fraud_users), 0) as recall,
    count(population.user_id) filter (where not population.is_labelled_fraud_user) as unlabelled_users_alerted,
    count(population.user_id) filter (where not population.is_labelled_fraud_user)
    / nullif(min(totals.other_users), 0) as friction_rate,
    count(population.user_id) filter (where not population.is_rule_covered) as users_added_to_rules,
    count(population.user_id) filter (
        where not population.is_rule_covered and population.is_labelled_fraud_user
    ) as labelled_fraud_added_to_rules,
    count(population.user_id) filter (
        where not population.is_rule_covered and population.is_labelled_fraud_user
    ) / nullif(count(population.user_id) filter (where not population.is_rule_covered), 0) as added_precision,
    (
        min(totals.labelled_fraud_rule_covered)
        + count(population.user_id) filter (
            where not population.is_rule_covered and population.is_labelled_fraud_user
        )
    ) / nullif(min(totals.labelled_fraud_users), 0) as rules_and_model_recall
from grid
cross join totals
left join population on grid.threshold <= population.score
group by grid.threshold
