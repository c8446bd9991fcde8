{%- set window_days = var('feature_drift_window_days') -%}
-- One row per real user (the users of marts.risk_user_features): a selection of that mart's
-- numeric features, with the same definitions, measured over the user's first
-- {{ window_days }} days (var feature_drift_window_days) after signup instead of over the whole
-- history. A lifetime snapshot is not comparable across signup cohorts (an old account has had
-- more time to pay, trade and withdraw); a fixed window after signup is. The window is complete
-- once it ends by the features' cutoff (the latest delivery); drift compares complete windows only.
-- Point-in-time like the mart: with var risk_as_of only records delivered by then count.
with users as (
    select
        user_id,
        signup_at,
        features_as_of,
        signup_at + interval {{ window_days }} day as window_end_at
    from {{ ref('risk_user_features') }}
),

attempts as (
    select
        attempts.user_id,
        attempts.created_at,
        attempts.status,
        attempts.purpose,
        attempts.decline_code,
        attempts.card_fingerprint,
        attempts.amount_usd
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    inner join users
        on attempts.user_id = users.user_id and attempts.created_at < users.window_end_at
    where {{ known_by_cutoff('attempts._batch_at', 'attempts.created_at') }}
),

attempt_windows as (
    select
        user_id,
        count(*) over (
            partition by user_id order by created_at
            range between interval 1 hour preceding and current row
        ) as attempts_in_hour
    from attempts
),

payment_features as (
    select
        user_id,
        count(*) as payment_attempts,
        count(*) filter (where status = 'declined') as declined_attempts,
        count(*) filter (
            where decline_code in ('stolen_card', 'incorrect_cvc', 'do_not_honor')
        ) as suspicious_declines,
        count(distinct card_fingerprint) as distinct_cards,
        coalesce(sum(amount_usd) filter (where status = 'succeeded' and purpose = 'topup'), 0) as topup_usd
    from attempts
    group by user_id
),

attempt_peaks as (
    select
        user_id,
        max(attempts_in_hour) as max_attempts_in_hour
    from attempt_windows
    group by user_id
),

event_features as (
    select
        events.user_id,
        count(*) filter (where events.event_type = 'login_failed') as failed_logins,
        count(distinct events.device_id) as devices_used
    from {{ ref('stg_events__app_events') }} as events
    inner join users
        on events.user_id = users.user_id and events.occurred_at < users.window_end_at
    where {{ known_by_cutoff('events._batch_at', 'events.occurred_at') }}
    group by events.user_id
),

payout_features as (
    select
        payouts.user_id,
        count(*) as payouts,
        coalesce(sum(payouts.amount_usd), 0) as payout_usd
    from {{ ref('stg_payments__payouts') }} as payouts
    inner join users
        on payouts.user_id = users.user_id and payouts.requested_at < users.window_end_at
    where {{ known_by_cutoff('payouts._first_batch_at', 'payouts.requested_at') }}
    group by payouts.user_id
),

purchase_features as (
    select
        trades.buyer_id as user_id,
        count(*) as trades_bought
    from {{ ref('stg_trading__trades') }} as trades
    inner join users
        on trades.buyer_id = users.user_id and trades.executed_at < users.window_end_at
    where trades.buyer_id <> trades.seller_id and {{ known_by_cutoff('trades._batch_at', 'trades.executed_at') }}
    group by trades.buyer_id
),

bonus_features as (
    select
        redemptions.user_id,
        coalesce(sum(redemptions.bonus_amount_usd), 0) as bonus_usd
    from {{ ref('stg_promotions__redemptions') }} as redemptions
    inner join users
        on redemptions.user_id = users.user_id and redemptions.redeemed_at < users.window_end_at
    where {{ known_by_cutoff('redemptions._first_batch_at', 'redemptions.redeemed_at') }}
    group by redemptions.user_id
)

select
    users.user_id,
    users.signup_at,
    users.signup_at::date as signup_date,
    users.window_end_at,
    users.window_end_at <= users.features_as_of as is_window_complete,
    coalesce(payment_features.payment_attempts, 0) as payment_attempts,
    coalesce(payment_features.declined_attempts, 0) as declined_attempts,
    coalesce(payment_features.suspicious_declines, 0) as suspicious_declines,
    coalesce(payment_features.distinct_cards, 0) as distinct_cards,
    coalesce(attempt_peaks.max_attempts_in_hour, 0) as max_attempts_in_hour,
    coalesce(payment_features.topup_usd, 0) as topup_usd,
    coalesce(event_features.failed_logins, 0) as failed_logins,
    coalesce(event_features.devices_used, 0) as devices_used,
    coalesce(payout_features.payouts, 0) as payouts,
    coalesce(payout_features.payout_usd, 0) as payout_usd,
    coalesce(purchase_features.trades_bought, 0) as trades_bought,
    coalesce(bonus_features.bonus_usd, 0) as bonus_usd
from users
left join payment_features on users.user_id = payment_features.user_id
left join attempt_peaks on users.user_id = attempt_peaks.user_id
left join event_features on users.user_id = event_features.user_id
left join payout_features on users.user_id = payout_features.user_id
left join purchase_features on users.user_id = purchase_features.user_id
left join bonus_features on users.user_id = bonus_features.user_id
