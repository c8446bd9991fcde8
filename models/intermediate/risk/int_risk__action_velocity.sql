-- Point-in-time velocity at every payment attempt, payout and login: how many actions of the same
-- kind the user made in the hour, day and week BEFORE this one, and the account's age at it.
-- Windows exclude the action itself and every action at the same timestamp (EXCLUDE GROUP): a
-- plain RANGE ... CURRENT ROW frame would count simultaneous peers, which a system deciding on
-- this action could not have seen. Account age comes from an ASOF join on a strictly earlier
-- signup (`>`), so an action in the signup second has no account yet.
with actions as (
    select
        user_id,
        'payment_attempt' as action_type,
        attempt_id as action_id,
        created_at as acted_at,
        _batch_at as known_at
    from {{ ref('stg_payments__payment_attempts') }}
    union all
    select
        user_id,
        'payout' as action_type,
        payout_id,
        requested_at,
        _first_batch_at
    from {{ ref('stg_payments__payouts') }}
    union all
    select
        user_id,
        'login' as action_type,
        event_id,
        occurred_at,
        _batch_at
    from {{ ref('stg_events__app_events') }}
    where event_type in ('login', 'login_failed') and user_id is not null
),

signups as (
    select
        user_id,
        created_at
    from {{ ref('stg_app__users') }}
),

velocity as (
    select
        *,
        count(*) over (
            partition by user_id, action_type order by acted_at
            range between interval 1 hour preceding and current row exclude group
        ) as prior_actions_1h,
        count(*) over (
            partition by user_id, action_type order by acted_at
            range between interval 24 hours preceding and current row exclude group
        ) as prior_actions_24h,
        count(*) over (
            partition by user_id, action_type order by acted_at
            range between interval 7 days preceding and current row exclude group
        ) as prior_actions_7d
    from actions
    where user_id is not null
)

select
    velocity.action_type,
    velocity.action_id,
    velocity.user_id,
    velocity.acted_at,
    velocity.known_at,
    velocity.prior_actions_1h,
    velocity.prior_actions_24h,
    velocity.prior_actions_7d,
    date_diff('second', signups.created_at, velocity.acted_at) / 86400.0 as account_age_days
from velocity
asof left join signups
    on
        velocity.user_id = signups.user_id
        and velocity.acted_at > signups.created_at
