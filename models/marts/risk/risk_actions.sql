-- The action the online systems should enforce on each user now: the strongest of the actions of
-- the alerts covering the user (their own alerts and their group's), restrict > challenge > watch
-- (a `review` alert puts the user on watch while an analyst looks). An action starts when its
-- alert is raised and lasts var action_days_<action> days; an upheld appeal (a restriction ticket
-- resolved restriction_lifted) or an investigation closed as false_positive lifts it.
with alerts as (
    select * from {{ ref('risk_alerts') }}
),

covered as (
    select
        coalesce(members.user_id, alerts.entity_id) as user_id,
        alerts.alert_id,
        alerts.strategy_id,
        alerts.raised_at,
        alerts.reason,
        case alerts.action when 'review' then 'watch' else alerts.action end as action,
        case alerts.action when 'restrict' then 3 when 'challenge' then 2 else 1 end as strength
    from alerts
    left join {{ ref('risk_group_members') }} as members
        on members.group_id = {{ entity_id_of_type('alerts', 'group') }}
),

strongest as (
    select
        user_id,
        arg_max(action, (strength, -epoch(raised_at), strategy_id)) as action,
        arg_max(strategy_id, (strength, -epoch(raised_at), strategy_id)) as strategy_id,
        arg_max(alert_id, (strength, -epoch(raised_at), strategy_id)) as alert_id,
        arg_max(reason, (strength, -epoch(raised_at), strategy_id)) as evidence,
        min(raised_at) filter (
            where strength = (
                select max(inner_covered.strength) from covered as inner_covered
                where inner_covered.user_id = covered.user_id
            )
        ) as active_since,
        count(distinct alert_id) as alerts_covering
    from covered
    group by user_id
),

lifts as (
    select
        user_id,
        resolved_at as lifted_at,
        'appeal upheld (ticket ' || ticket_id || ')' as lift_reason
    from {{ ref('stg_support__tickets') }}
    where category = 'account_restricted' and resolution = 'restriction_lifted'
    union all
    select
        user_id,
        closed_at,
        'investigation ' || case_id || ' closed as false_positive' as lift_reason
    from {{ ref('stg_risk__case_outcomes') }}
    where outcome = 'false_positive'
),

first_lift as (
    select
        strongest.user_id,
        min(lifts.lifted_at) as lifted_at,
        arg_min(lifts.lift_reason, (lifts.lifted_at, lifts.lift_reason)) as lift_reason
    from strongest
    inner join lifts on strongest.user_id = lifts.user_id and strongest.active_since <= lifts.lifted_at
    group by strongest.user_id
)

select
    strongest.user_id,
    strongest.action,
    strongest.strategy_id,
    strongest.alert_id,
    strongest.evidence,
    strongest.alerts_covering,
    strongest.active_since,
    strongest.active_since + case strongest.action
        when 'restrict' then interval '{{ var("action_days_restrict") }} days'
        when 'challenge' then interval '{{ var("action_days_challenge") }} days'
        else interval '{{ var("action_days_watch") }} days'
    end as active_until,
    first_lift.lifted_at,
    first_lift.lift_reason,
    first_lift.lifted_at is null as is_active
from strongest
left join first_lift on strongest.user_id = first_lift.user_id
