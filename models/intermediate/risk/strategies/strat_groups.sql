-- The group strategies: each flagged group of marts.risk_groups is raised by the strategy of its
-- strongest evidence (a group with several kinds of evidence is raised by each). Known once every
-- member and every link and internal trade its evidence rests on had been delivered - an upper
-- bound of the first moment the group was flaggable.
with groups as (
    select * from {{ ref('risk_groups') }}
    where is_flagged
),

members as (
    select * from {{ ref('risk_group_members') }}
),

knowledge as (
    select
        members.group_id,
        max(edges.known_at) as links_known_at,
        max(member_users._first_batch_at) as members_known_at
    from members
    inner join {{ ref('stg_app__users') }} as member_users on members.user_id = member_users.user_id
    left join {{ ref('int_risk__graph_edges') }} as edges on members.user_id = edges.user_id
    group by members.group_id
),

exposure as (
    select
        members.group_id,
        coalesce(sum(features.payout_usd), 0) + coalesce(sum(features.bonus_usd), 0) as money_at_risk_usd
    from members
    inner join {{ ref('risk_user_features') }} as features on members.user_id = features.user_id
    group by members.group_id
),

typed as (
    select
        group_id,
        'grp_bonus_farm' as strategy_id
    from groups
    where funnels_bonus_to_collector
    union all
    select
        group_id,
        'grp_collusive_trading' as strategy_id
    from groups
    where trades_in_loops
    union all
    select
        group_id,
        'grp_mule_network' as strategy_id
    from groups
    where funnels_new_money_to_cash_out or cash_out_points >= 1
    union all
    select
        group_id,
        'grp_takeover_crew' as strategy_id
    from groups
    where takeover_victims >= 1
    union all
    select
        group_id,
        'grp_card_testing_crew' as strategy_id
    from groups
    where card_testers >= 1
    union all
    select
        group_id,
        'grp_organised_fraud' as strategy_id
    from groups
    where not (
        funnels_bonus_to_collector or trades_in_loops or funnels_new_money_to_cash_out
        or cash_out_points >= 1 or takeover_victims >= 1 or card_testers >= 1
    )
)

select
    typed.strategy_id,
    'group' as entity_type,
    typed.group_id as entity_id,
    greatest(knowledge.links_known_at, knowledge.members_known_at) as condition_met_at,
    least(100.0, 10.0 * groups.risk_score) as score,
    exposure.money_at_risk_usd,
    groups.member_count || ' members: ' || groups.reason as reason
from typed
inner join groups on typed.group_id = groups.group_id
inner join knowledge on typed.group_id = knowledge.group_id
inner join exposure on typed.group_id = exposure.group_id
