-- Account takeover: a burst of var ato_failed_logins_per_hour failed logins within an hour followed
-- by a password reset, or a login from outside the user's country followed by a new payout method,
-- each within var ato_sequence_hours. Known when the completing event has been delivered.
with users as (
    select
        user_id,
        country_code
    from {{ ref('stg_app__users') }}
    where not is_test_account
),

events as (
    select
        events.user_id,
        events.event_type,
        events.occurred_at,
        events._batch_at,
        events.country_code <> users.country_code as is_foreign
    from {{ ref('stg_events__app_events') }} as events
    inner join users on events.user_id = users.user_id
    where events.event_type in ('login', 'login_failed', 'password_reset', 'payout_method_added')
),

failed_bursts as (
    select
        user_id,
        occurred_at,
        count(*) over (
            partition by user_id order by occurred_at
            range between interval 1 hour preceding and current row
        ) as failed_in_hour,
        max(_batch_at) over (
            partition by user_id order by occurred_at
            range between interval 1 hour preceding and current row
        ) as burst_known_at
    from events
    where event_type = 'login_failed'
),

burst_then_reset as (
    select
        resets.user_id,
        min(greatest(resets._batch_at, bursts.burst_known_at)) as condition_met_at,
        max(bursts.failed_in_hour) as failed_logins_in_burst
    from failed_bursts as bursts
    inner join events as resets
        on
            bursts.user_id = resets.user_id
            and resets.event_type = 'password_reset'
            and bursts.occurred_at < resets.occurred_at
            and resets.occurred_at <= bursts.occurred_at + interval '{{ var("ato_sequence_hours") }} hours'
    where bursts.failed_in_hour >= {{ var('ato_failed_logins_per_hour') }}
    group by resets.user_id
),

foreign_login_then_payout_method as (
    select
        methods.user_id,
        min(greatest(methods._batch_at, logins._batch_at)) as condition_met_at
    from events as logins
    inner join events as methods
        on
            logins.user_id = methods.user_id
            and methods.event_type = 'payout_method_added'
            and logins.occurred_at < methods.occurred_at
            and methods.occurred_at <= logins.occurred_at + interval '{{ var("ato_sequence_hours") }} hours'
    where logins.event_type = 'login' and logins.is_foreign
    group by methods.user_id
),

payout_exposure as (
    select
        user_id,
        coalesce(sum(amount_usd), 0) as payout_usd
    from {{ ref('stg_payments__payouts') }}
    group by user_id
)

select
    'usr_account_takeover' as strategy_id,
    'user' as entity_type,
    users.user_id as entity_id,
    least(burst_then_reset.condition_met_at, foreign_login_then_payout_method.condition_met_at) as condition_met_at,
    case
        when burst_then_reset.user_id is not null and foreign_login_then_payout_method.user_id is not null then 95.0
        else 80.0
    end as score,
    coalesce(payout_exposure.payout_usd, 0) as money_at_risk_usd,
    concat_ws(
        '; ',
        case
            when burst_then_reset.user_id is not null
                then burst_then_reset.failed_logins_in_burst || ' failed logins within an hour, then a password reset'
        end,
        case
            when foreign_login_then_payout_method.user_id is not null
                then 'login from outside the account''s country, then a new payout method'
        end
    ) as reason
from users
left join burst_then_reset on users.user_id = burst_then_reset.user_id
left join foreign_login_then_payout_method on users.user_id = foreign_login_then_payout_method.user_id
left join payout_exposure on users.user_id = payout_exposure.user_id
where burst_then_reset.user_id is not null or foreign_login_then_payout_method.user_id is not null
