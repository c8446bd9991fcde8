-- How well each strategy works, per strategy and day of raising, beside the online risk engine's
-- own review/block decisions. A user counts as confirmed when they carry a fraud label (a
-- fraudulent chargeback or an investigation closed confirmed_fraud), as a false positive when an
-- investigation closed false_positive and no fraud label exists. Precision = confirmed /
-- (confirmed + false positives) among reviewed users; blocklist hits are kept out of precision
-- (they are operator-defined). Recall to date = labelled fraudsters covered by the strategy's
-- alerts raised so far / all labelled fraudsters known by then.
with coverage as (
    select
        alerts.strategy_id,
        alerts.alert_id,
        alerts.entity_id,
        alerts.raised_at,
        alerts.money_at_risk_usd,
        coalesce(members.user_id, alerts.entity_id) as user_id
    from {{ ref('risk_alerts') }} as alerts
    left join {{ ref('risk_group_members') }} as members
        on members.group_id = {{ entity_id_of_type('alerts', 'group') }}
    union all
    select
        'online_engine' as strategy_id,
        decisions.decision_id as alert_id,
        decisions.user_id as entity_id,
        decisions.decided_at as raised_at,
        null as money_at_risk_usd,
        decisions.user_id
    from {{ ref('stg_risk__decisions') }} as decisions
    where decisions.action in ('review', 'block')
),

first_coverage as (
    select
        strategy_id,
        user_id,
        min(raised_at) as first_covered_at
    from coverage
    group by strategy_id, user_id
),

user_labels as (
    select
        user_id,
        min(known_at) filter (where is_fraud_label) as fraud_label_known_at,
        bool_or(label_type = 'false_positive_case') and not bool_or(is_fraud_label) as is_false_positive
    from {{ ref('risk_labels') }}
    group by user_id
),

days as (
    select distinct
        strategy_id,
        raised_at::date as report_date
    from coverage
),

daily as (
    select
        coverage.strategy_id,
        coverage.raised_at::date as report_date,
        count(distinct coverage.alert_id) as alerts,
        count(distinct coverage.entity_id) as unique_entities,
        count(distinct coverage.user_id) as users_covered,
        count(distinct coverage.user_id) filter (
            where user_labels.fraud_label_known_at is not null or user_labels.is_false_positive
        ) as reviewed_users,
        count(distinct coverage.user_id) filter (where user_labels.fraud_label_known_at is not null) as confirmed_users,
        count(distinct coverage.user_id) filter (where user_labels.is_false_positive) as false_positive_users,
        count(distinct coverage.user_id) filter (where first_coverage.first_covered_at < coverage.raised_at)
            as repeat_users,
        (coalesce(sum(distinct coverage.money_at_risk_usd), 0))::decimal(18, 2) as money_at_risk_usd
    from coverage
    left join user_labels on coverage.user_id = user_labels.user_id
    left join first_coverage
        on coverage.user_id = first_coverage.user_id and coverage.strategy_id <> first_coverage.strategy_id
    group by coverage.strategy_id, coverage.raised_at::date
),

overlap as (
    select
        mine.strategy_id,
        count(distinct mine.user_id) filter (where other_strategies.user_id is not null)
        / count(distinct mine.user_id) as overlap_share
    from first_coverage as mine
    left join first_coverage as other_strategies
        on mine.user_id = other_strategies.user_id and mine.strategy_id <> other_strategies.strategy_id
    group by mine.strategy_id
),

recall_to_date as (
    select
        days.strategy_id,
        days.report_date,
        count(distinct user_labels.user_id) filter (
            where first_coverage.first_covered_at < days.report_date + interval 1 day
        ) as labelled_covered,
        count(distinct user_labels.user_id) as labelled_known
    from days
    inner join user_labels on user_labels.fraud_label_known_at < days.report_date + interval 1 day
    left join first_coverage
        on days.strategy_id = first_coverage.strategy_id and user_labels.user_id = first_coverage.user_id
    group by days.strategy_id, days.report_date
)

select
    daily.strategy_id,
    daily.report_date,
    daily.alerts,
    daily.unique_entities,
    daily.users_covered,
    daily.reviewed_users,
    daily.confirmed_users,
    daily.false_positive_users,
    case
        when daily.strategy_id <> 'usr_blocklist_hit'
            then daily.confirmed_users / nullif(daily.confirmed_users + daily.false_positive_users, 0)
    end as precision,
    recall_to_date.labelled_covered,
    recall_to_date.labelled_known,
    recall_to_date.labelled_covered / nullif(recall_to_date.labelled_known, 0) as recall_to_date,
    daily.money_at_risk_usd,
    daily.repeat_users / nullif(daily.users_covered, 0) as repeat_ratio,
    overlap.overlap_share as overlap_with_other_strategies
from daily
left join recall_to_date
    on daily.strategy_id = recall_to_date.strategy_id and daily.report_date = recall_to_date.report_date
left join overlap on daily.strategy_id = overlap.strategy_id
