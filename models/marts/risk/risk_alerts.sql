-- One alert per strategy and entity: raised at the first scan on the strategy's cadence at which
-- its condition held using only records delivered by then (`condition_met_at`, from the
-- strategy), so replaying the deliveries and rebuilding give the same alerts. A later repeat of
-- the condition updates the alert's evidence, never a second alert. Disabled strategies in the
-- catalogue raise nothing.
with strategy_hits as (
    {% for strategy_model in risk_strategy_models() %}
        select
            strategy_id,
            entity_type,
            entity_id,
            condition_met_at,
            cast(score as double) as score,
            cast(money_at_risk_usd as decimal(18, 2)) as money_at_risk_usd,
            reason
        from {{ ref(strategy_model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

catalogue as (
    select * from {{ ref('risk_strategies') }}
    where enabled
),

raised as (
    select
        strategy_hits.*,
        catalogue.cadence,
        catalogue.action,
        catalogue.severity,
        {{ next_scan_at('strategy_hits.condition_met_at', 'catalogue.cadence') }} as raised_at
    from strategy_hits
    inner join catalogue on strategy_hits.strategy_id = catalogue.strategy_id
    where strategy_hits.condition_met_at is not null
),

case_outcomes as (
    select
        user_id,
        arg_max(outcome, (coalesce(closed_at, opened_at), case_id)) as latest_outcome,
        max(closed_at) as latest_closed_at
    from {{ ref('stg_risk__case_outcomes') }}
    where outcome is not null
    group by user_id
),

entity_outcomes as (
    select
        raised.strategy_id,
        raised.entity_id,
        case
            when bool_or(case_outcomes.latest_outcome = 'confirmed_fraud') then 'confirmed_fraud'
            when bool_or(case_outcomes.latest_outcome = 'false_positive') then 'false_positive'
        end as outcome,
        max(case_outcomes.latest_closed_at) as outcome_at
    from raised
    left join {{ ref('risk_group_members') }} as members
        on members.group_id = {{ entity_id_of_type('raised', 'group') }}
    inner join case_outcomes
        on
            case_outcomes.user_id = coalesce(members.user_id, raised.entity_id)
            and raised.raised_at <= case_outcomes.latest_closed_at
    group by raised.strategy_id, raised.entity_id
)

select
    md5(raised.strategy_id || ':' || raised.entity_type || ':' || raised.entity_id) as alert_id,
    raised.strategy_id,
    raised.entity_type,
    raised.entity_id,
    raised.raised_at,
    raised.raised_at as data_cutoff,
    raised.condition_met_at,
    raised.cadence,
    raised.severity,
    raised.action,
    raised.score,
    raised.money_at_risk_usd,
    raised.reason,
    case
        when entity_outcomes.outcome = 'confirmed_fraud' then 'closed_confirmed'
        when entity_outcomes.outcome = 'false_positive' then 'closed_false_positive'
        else 'open'
    end as status,
    entity_outcomes.outcome_at as closed_at
from raised
left join entity_outcomes
    on raised.strategy_id = entity_outcomes.strategy_id and raised.entity_id = entity_outcomes.entity_id
