-- The investigation queue: the alerts on one entity (a user, or a group) make one case,
-- prioritised by expected loss - the money at risk (payouts, top-ups and bonuses of the entity)
-- weighted by the strength of the evidence (the best alert score / 100) - with an SLA from the
-- most severe alert, the evidence an investigator needs, and the outcome once risk/case_outcomes
-- delivers one for a covered user.
with alerts as (
    select * from {{ ref('risk_alerts') }}
),

members as (
    select * from {{ ref('risk_group_members') }}
),

entity_users as (
    select distinct
        alerts.entity_type,
        alerts.entity_id,
        coalesce(members.user_id, alerts.entity_id) as user_id
    from alerts
    left join members on members.group_id = {{ entity_id_of_type('alerts', 'group') }}
),

money as (
    select
        entity_users.entity_type,
        entity_users.entity_id,
        count(*) as linked_accounts,
        list_sort(list(entity_users.user_id)) as linked_user_ids,
        sum(features.topup_usd + features.sold_usd) as money_in_usd,
        sum(features.payout_usd + features.bought_usd) as money_out_usd,
        sum(features.payout_usd + features.topup_usd + features.bonus_usd) as exposure_usd,
        min(features.signup_at) as first_signup_at
    from entity_users
    inner join {{ ref('risk_user_features') }} as features on entity_users.user_id = features.user_id
    group by entity_users.entity_type, entity_users.entity_id
),

shared as (
    select
        entity_users.entity_type,
        entity_users.entity_id,
        list_sort(list_distinct(flatten(list(members.linked_by)))) as shared_identifier_types
    from entity_users
    inner join members on entity_users.user_id = members.user_id
    group by entity_users.entity_type, entity_users.entity_id
),

outcomes as (
    select
        entity_users.entity_type,
        entity_users.entity_id,
        arg_max(case_outcomes.outcome, (case_outcomes.closed_at, case_outcomes.case_id)) as outcome,
        max(case_outcomes.closed_at) as outcome_at,
        arg_max(case_outcomes.case_id, (case_outcomes.closed_at, case_outcomes.case_id)) as outcome_case_id
    from entity_users
    inner join {{ ref('stg_risk__case_outcomes') }} as case_outcomes on entity_users.user_id = case_outcomes.user_id
    where case_outcomes.outcome is not null
    group by entity_users.entity_type, entity_users.entity_id
),

cases as (
    select
        entity_type,
        entity_id,
        min(raised_at) as opened_at,
        max(raised_at) as last_alert_at,
        count(*) as alert_count,
        list_sort(list(strategy_id)) as strategies,
        max(score) as best_score,
        min(case severity when 'critical' then 1 when 'high' then 2 when 'medium' then 3 else 4 end) as severity_rank,
        string_agg(strategy_id || ': ' || reason, ' | ' order by raised_at, strategy_id) as evidence
    from alerts
    group by entity_type, entity_id
)

select
    'C-' || left(md5(cases.entity_type || ':' || cases.entity_id), 12) as case_id,
    cases.entity_type,
    cases.entity_id,
    cases.opened_at,
    cases.last_alert_at,
    cases.alert_count,
    cases.strategies,
    case cases.severity_rank when 1 then 'critical' when 2 then 'high' when 3 then 'medium' else 'low' end as severity,
    cases.opened_at + to_hours(case cases.severity_rank
        when 1 then {{ var('case_sla_hours')['critical'] }}
        when 2 then {{ var('case_sla_hours')['high'] }}
        when 3 then {{ var('case_sla_hours')['medium'] }}
        else {{ var('case_sla_hours')['low'] }}
    end) as sla_due_at,
    cast(coalesce(money.exposure_usd, 0) * cases.best_score / 100 as decimal(18, 2)) as expected_loss_usd,
    row_number()
        over (order by coalesce(money.exposure_usd, 0) * cases.best_score desc, cases.opened_at, cases.entity_id asc)
        as priority_rank,
    money.linked_accounts,
    money.linked_user_ids,
    coalesce(shared.shared_identifier_types, []) as shared_identifier_types,
    cast(money.money_in_usd as decimal(18, 2)) as money_in_usd,
    cast(money.money_out_usd as decimal(18, 2)) as money_out_usd,
    money.first_signup_at,
    cases.evidence,
    outcomes.outcome,
    outcomes.outcome_at,
    outcomes.outcome_case_id,
    case when outcomes.outcome is null then 'open' else 'closed' end as status
from cases
left join money on cases.entity_type = money.entity_type and cases.entity_id = money.entity_id
left join shared on cases.entity_type = shared.entity_type and cases.entity_id = shared.entity_id
left join outcomes on cases.entity_type = outcomes.entity_type and cases.entity_id = outcomes.entity_id
