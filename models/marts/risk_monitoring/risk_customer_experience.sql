-- The cost of risk controls to good customers next to the fraud the same controls catch, per UTC
-- day and over all time (period_grain), for the online engine as a whole (rule = 'all') and per
-- rule it fires (rules_hit unnested). Good customer = a real user who is not fraudulent per
-- int_users__fraud_status.is_fraud; fraudster = one who is. A user is "hit" by a decision whose
-- action is challenge, review or block; a rule hits a user when it is in the rules_hit of such a
-- decision. User counts are distinct within the row's period, so day rows do not add up to the
-- all_time row; decision and appeal counts do. Appeals (support tickets in category
-- account_restricted) and CSAT are about the account, not a rule: rule = 'all' rows only.
with data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

periods as (
    select
        'day' as period_grain,
        day_spine.period_start::date as period_start,
        day_spine.period_start::date as period_end
    from data_window
    cross join
        generate_series(
            data_window.first_activity_date, data_window.last_activity_date, interval 1 day
        ) as day_spine (period_start)
    union all
    select
        'all_time' as period_grain,
        first_activity_date as period_start,
        last_activity_date as period_end
    from data_window
),

grains as (
    select unnest(['day', 'all_time']) as period_grain
),

users as (
    select
        app_users.user_id,
        fraud_status.is_fraud,
        fraud_status.is_in_flagged_group,
        fraud_status.fraud_chargebacks > 0 as has_fraud_chargeback
    from {{ ref('stg_app__users') }} as app_users
    inner join {{ ref('int_users__fraud_status') }} as fraud_status on app_users.user_id = fraud_status.user_id
    where not app_users.is_test_account
),

decisions as (
    select
        decisions.decision_id,
        decisions.user_id,
        decisions.decided_at,
        decisions.action,
        decisions.rules_hit,
        decisions.action in ('challenge', 'review', 'block') as is_hit,
        decisions.action in ('review', 'block') as is_restriction,
        users.is_fraud,
        users.is_in_flagged_group,
        users.has_fraud_chargeback
    from {{ ref('stg_risk__decisions') }} as decisions
    inner join users on decisions.user_id = users.user_id
),

-- one row per hit decision and distinct rule it fired
rule_hits as (
    select distinct
        decision_id,
        user_id,
        unnest(rules_hit) as rule_name
    from decisions
    where is_hit
),

user_hit_decisions as (
    select
        user_id,
        count(*) as hit_decisions
    from decisions
    where is_hit
    group by user_id
),

-- per user and rule: was the user also hit by a decision in which the rule did not fire
user_rule_other_hits as (
    select
        rule_hits.user_id,
        rule_hits.rule_name,
        max(user_hit_decisions.hit_decisions) > count(distinct rule_hits.decision_id) as hit_without_rule
    from rule_hits
    inner join user_hit_decisions on rule_hits.user_id = user_hit_decisions.user_id
    group by rule_hits.user_id, rule_hits.rule_name
),

-- every decision once under rule_name 'all', and every hit decision once more under each rule it
-- fired
decision_facts as (
    select
        decisions.*,
        'all' as rule_name,
        null::boolean as hit_without_rule
    from decisions
    union all
    select
        decisions.*,
        rule_hits.rule_name,
        user_rule_other_hits.hit_without_rule
    from decisions
    inner join rule_hits on decisions.decision_id = rule_hits.decision_id
    inner join user_rule_other_hits
        on rule_hits.user_id = user_rule_other_hits.user_id and rule_hits.rule_name = user_rule_other_hits.rule_name
),

-- each fact counts in its UTC day and in the all_time period
periodised_decision_facts as (
    select
        decision_facts.*,
        grains.period_grain,
        case
            when grains.period_grain = 'day' then decision_facts.decided_at::date
            else data_window.first_activity_date
        end as period_start,
        -- another control that catches the fraudster without the rule: the batch group detection,
        -- or another decision; a chargeback is a loss already suffered, not a catch
        decision_facts.is_in_flagged_group
        or coalesce(decision_facts.hit_without_rule, false) as has_independent_signal
    from decision_facts
    cross join data_window
    cross join grains
    where decision_facts.decided_at::date between data_window.first_activity_date and data_window.last_activity_date
),

decision_metrics as (
    select
        facts.period_grain,
        facts.period_start,
        facts.rule_name,
        count(*) filter (where facts.rule_name = 'all') as decisions,
        count(*) filter (where facts.is_hit and not facts.is_fraud) as good_customer_hit_decisions,
        count(*) filter (where facts.is_hit and facts.is_fraud) as fraudster_hit_decisions,
        count(distinct facts.user_id) filter (where not facts.is_fraud) as good_customers_decided,
        count(distinct facts.user_id) filter (where facts.is_hit and not facts.is_fraud) as good_customers_hit,
        count(distinct facts.user_id) filter (
            where facts.action = 'challenge' and not facts.is_fraud
        ) as good_customers_challenged,
        count(distinct facts.user_id) filter (
            where facts.action = 'review' and not facts.is_fraud
        ) as good_customers_reviewed,
        count(distinct facts.user_id) filter (
            where facts.action = 'block' and not facts.is_fraud
        ) as good_customers_blocked,
        count(distinct facts.user_id) filter (
            where facts.is_restriction and not facts.is_fraud
        ) as good_customers_restricted,
        count(distinct facts.user_id) filter (where facts.is_fraud) as fraudsters_decided,
        count(distinct facts.user_id) filter (where facts.is_hit and facts.is_fraud) as fraudsters_hit,
        count(distinct facts.user_id) filter (
            where facts.is_restriction and facts.is_fraud
        ) as fraudsters_restricted,
        count(distinct facts.user_id) filter (
            where facts.is_hit and facts.is_fraud and facts.is_in_flagged_group
        ) as fraudsters_hit_in_flagged_group,
        count(distinct facts.user_id) filter (
            where facts.is_hit and facts.is_fraud and facts.has_fraud_chargeback
        ) as fraudsters_hit_with_fraud_chargeback,
        count(distinct facts.user_id) filter (
            where facts.is_hit and facts.is_fraud and facts.hit_without_rule
        ) as fraudsters_hit_by_other_decisions,
        count(distinct facts.user_id) filter (
            where facts.is_hit and facts.is_fraud and facts.has_independent_signal
        ) as fraudsters_hit_with_independent_signal
    from periodised_decision_facts as facts
    group by all
),

rules as (
    select 'all' as rule_name
    union
    select distinct unnest(rules_hit) as rule_name
    from decisions
),

tickets as (
    select
        tickets.ticket_id,
        tickets.user_id,
        tickets.category,
        tickets.created_at,
        tickets.resolved_at,
        tickets.resolution,
        tickets.csat,
        users.is_fraud
    from {{ ref('stg_support__tickets') }} as tickets
    inner join users on tickets.user_id = users.user_id
),

first_restrictions as (
    select
        user_id,
        min(decided_at) as first_restricted_at
    from decisions
    where is_restriction
    group by user_id
),

ticket_facts as (
    select
        tickets.*,
        tickets.category = 'account_restricted' as is_appeal,
        tickets.resolved_at is not null as is_resolved,
        date_diff('second', tickets.created_at, tickets.resolved_at) / 3600.0 as hours_to_resolution,
        coalesce(first_restrictions.first_restricted_at <= tickets.created_at, false) as was_restricted,
        grains.period_grain,
        case
            when grains.period_grain = 'day' then tickets.created_at::date
            else data_window.first_activity_date
        end as period_start
    from tickets
    cross join data_window
    cross join grains
    left join first_restrictions on tickets.user_id = first_restrictions.user_id
    where tickets.created_at::date between data_window.first_activity_date and data_window.last_activity_date
),

ticket_metrics as (
    select
        facts.period_grain,
        facts.period_start,
        count(*) filter (where facts.is_appeal) as appeals_opened,
        count(*) filter (where facts.is_appeal and not facts.is_fraud) as appeals_by_good_customers,
        count(*) filter (where facts.is_appeal and facts.is_resolved) as appeals_resolved,
        count(*) filter (
            where facts.is_appeal and facts.is_resolved and facts.resolution = 'restriction_lifted'
        ) as appeals_overturned,
        count(*) filter (
            where facts.is_appeal and facts.is_resolved and facts.resolution = 'restriction_lifted' and facts.is_fraud
        ) as appeals_overturned_for_fraudsters,
        median(facts.hours_to_resolution) filter (
            where facts.is_appeal and facts.is_resolved
        ) as median_hours_to_appeal_resolution,
        count(facts.csat) filter (where not facts.is_fraud and facts.was_restricted) as csat_responses_restricted,
        sum(facts.csat) filter (where not facts.is_fraud and facts.was_restricted) as csat_total_restricted,
        count(facts.csat) filter (where not facts.is_fraud and not facts.was_restricted) as csat_responses_unrestricted,
        sum(facts.csat) filter (where not facts.is_fraud and not facts.was_restricted) as csat_total_unrestricted
    from ticket_facts as facts
    group by all
),

-- rule_name 'all' rows of every period, zeros where no ticket was opened
period_ticket_metrics as (
    select
        periods.period_grain,
        periods.period_start,
        coalesce(ticket_metrics.appeals_opened, 0) as appeals_opened,
        coalesce(ticket_metrics.appeals_by_good_customers, 0) as appeals_by_good_customers,
        coalesce(ticket_metrics.appeals_resolved, 0) as appeals_resolved,
        coalesce(ticket_metrics.appeals_overturned, 0) as appeals_overturned,
        coalesce(ticket_metrics.appeals_overturned_for_fraudsters, 0) as appeals_overturned_for_fraudsters,
        ticket_metrics.median_hours_to_appeal_resolution,
        coalesce(ticket_metrics.csat_responses_restricted, 0) as csat_responses_restricted,
        coalesce(ticket_metrics.csat_total_restricted, 0) as csat_total_restricted,
        coalesce(ticket_metrics.csat_responses_unrestricted, 0) as csat_responses_unrestricted,
        coalesce(ticket_metrics.csat_total_unrestricted, 0) as csat_total_unrestricted
    from periods
    left join ticket_metrics
        on periods.period_grain = ticket_metrics.period_grain and periods.period_start = ticket_metrics.period_start
),

decided as (
    select
        period_grain,
        period_start,
        decisions,
        good_customers_decided,
        fraudsters_decided
    from decision_metrics
    where rule_name = 'all'
),

assembled as (
    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        rules.rule_name,
        coalesce(decided.decisions, 0) as decisions,
        coalesce(decided.good_customers_decided, 0) as good_customers_decided,
        coalesce(decision_metrics.good_customers_hit, 0) as good_customers_hit,
        coalesce(decision_metrics.good_customers_challenged, 0) as good_customers_challenged,
        coalesce(decision_metrics.good_customers_reviewed, 0) as good_customers_reviewed,
        coalesce(decision_metrics.good_customers_blocked, 0) as good_customers_blocked,
        coalesce(decision_metrics.good_customers_restricted, 0) as good_customers_restricted,
        coalesce(decision_metrics.good_customer_hit_decisions, 0) as good_customer_hit_decisions,
        coalesce(decided.fraudsters_decided, 0) as fraudsters_decided,
        coalesce(decision_metrics.fraudsters_hit, 0) as fraudsters_hit,
        coalesce(decision_metrics.fraudsters_restricted, 0) as fraudsters_restricted,
        coalesce(decision_metrics.fraudster_hit_decisions, 0) as fraudster_hit_decisions,
        coalesce(decision_metrics.fraudsters_hit_in_flagged_group, 0) as fraudsters_hit_in_flagged_group,
        coalesce(decision_metrics.fraudsters_hit_with_fraud_chargeback, 0)
            as fraudsters_hit_with_fraud_chargeback,
        case
            when rules.rule_name <> 'all' then coalesce(decision_metrics.fraudsters_hit_by_other_decisions, 0)
        end as fraudsters_hit_by_other_decisions,
        coalesce(decision_metrics.fraudsters_hit_with_independent_signal, 0)
            as fraudsters_hit_with_independent_signal,
        period_ticket_metrics.appeals_opened,
        period_ticket_metrics.appeals_by_good_customers,
        period_ticket_metrics.appeals_resolved,
        period_ticket_metrics.appeals_overturned,
        period_ticket_metrics.appeals_overturned_for_fraudsters,
        period_ticket_metrics.median_hours_to_appeal_resolution,
        period_ticket_metrics.csat_responses_restricted,
        period_ticket_metrics.csat_total_restricted,
        period_ticket_metrics.csat_responses_unrestricted,
        period_ticket_metrics.csat_total_unrestricted
    from periods
    cross join rules
    left join decision_metrics
        on
            periods.period_grain = decision_metrics.period_grain
            and periods.period_start = decision_metrics.period_start
            and rules.rule_name = decision_metrics.rule_name
    left join decided
        on periods.period_grain = decided.period_grain and periods.period_start = decided.period_start
    left join period_ticket_metrics
        on
            rules.rule_name = 'all'
            and periods.period_grain = period_ticket_metrics.period_grain
            and periods.period_start = period_ticket_metrics.period_start
)

select
    period_grain::varchar as period_grain,
    period_start::date as period_start,
    period_end::date as period_end,
    rule_name::varchar as rule_name,
    decisions::bigint as decisions,
    good_customers_decided::bigint as good_customers_decided,
    good_customers_hit::bigint as good_customers_hit,
    good_customers_challenged::bigint as good_customers_challenged,
    good_customers_reviewed::bigint as good_customers_reviewed,
    good_customers_blocked::bigint as good_customers_blocked,
    good_customers_restricted::bigint as good_customers_restricted,
    good_customer_hit_decisions::bigint as good_customer_hit_decisions,
    (good_customers_hit / nullif(good_customers_decided, 0))::double as insult_rate,
    fraudsters_decided::bigint as fraudsters_decided,
    fraudsters_hit::bigint as fraudsters_hit,
    fraudsters_restricted::bigint as fraudsters_restricted,
    fraudster_hit_decisions::bigint as fraudster_hit_decisions,
    (fraudsters_hit / nullif(fraudsters_decided, 0))::double as fraud_hit_rate,
    (fraudsters_hit / nullif(fraudsters_hit + good_customers_hit, 0))::double as hit_precision,
    (good_customers_hit / nullif(fraudsters_hit, 0))::double as good_customers_hit_per_fraudster_hit,
    fraudsters_hit_in_flagged_group::bigint as fraudsters_hit_in_flagged_group,
    fraudsters_hit_with_fraud_chargeback::bigint as fraudsters_hit_with_fraud_chargeback,
    fraudsters_hit_by_other_decisions::bigint as fraudsters_hit_by_other_decisions,
    fraudsters_hit_with_independent_signal::bigint as fraudsters_hit_with_independent_signal,
    (fraudsters_hit_with_independent_signal / nullif(fraudsters_hit, 0))::double as independent_signal_share,
    case
        when rule_name <> 'all'
            then
                fraudsters_hit >= {{ var('softer_action_min_fraudsters') }}
                and fraudsters_hit_with_independent_signal
                >= {{ var('softer_action_min_independent_share') }} * fraudsters_hit
                and good_customers_restricted > 0
    end::boolean as is_softer_action_candidate,
    appeals_opened::bigint as appeals_opened,
    appeals_by_good_customers::bigint as appeals_by_good_customers,
    appeals_resolved::bigint as appeals_resolved,
    appeals_overturned::bigint as appeals_overturned,
    (appeals_overturned / nullif(appeals_resolved, 0))::double as appeal_overturn_rate,
    appeals_overturned_for_fraudsters::bigint as appeals_overturned_for_fraudsters,
    median_hours_to_appeal_resolution::double as median_hours_to_appeal_resolution,
    csat_responses_restricted::bigint as csat_responses_restricted,
    csat_total_restricted::bigint as csat_total_restricted,
    (csat_total_restricted / nullif(csat_responses_restricted, 0))::double as avg_csat_restricted,
    csat_responses_unrestricted::bigint as csat_responses_unrestricted,
    csat_total_unrestricted::bigint as csat_total_unrestricted,
    (csat_total_unrestricted / nullif(csat_responses_unrestricted, 0))::double as avg_csat_unrestricted
from assembled
