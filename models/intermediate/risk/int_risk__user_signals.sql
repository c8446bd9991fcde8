-- One row per real user: what their payments, logins, payouts, trades and bonuses say about risk,
-- using only records delivered by the cutoff (var risk_as_of, default: everything delivered).
-- Velocities are peaks over event time (the most attempts in any hour), so they mean the same
-- whenever the scan runs.
with users as (
    select * from {{ ref('stg_app__users') }}
    where not is_test_account and {{ known_by_cutoff('_first_batch_at') }}
),

cutoff as (
    select {{ risk_cutoff('max(_batch_at)') }} as cutoff_at
    from {{ ref('stg_events__app_events') }}
),

attempts as (
    select * from {{ ref('stg_payments__payment_attempts') }}
    where {{ known_by_cutoff('_batch_at', 'created_at') }}
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

payment_signals as (
    select
        attempts.user_id,
        count(*) as payment_attempts,
        count(*) filter (where attempts.status = 'declined') as declined_attempts,
        count(*) filter (where attempts.status = 'succeeded') as succeeded_attempts,
        count(*) filter (
            where attempts.decline_code in ('stolen_card', 'incorrect_cvc', 'do_not_honor')
        ) as suspicious_declines,
        count(*) filter (where attempts.amount_usd < 5) as small_attempts,
        count(distinct attempts.card_fingerprint) as distinct_cards,
        count(distinct attempts.card_bin) as distinct_card_bins,
        count(distinct attempts.card_country) as distinct_card_countries,
        coalesce(sum(attempts.amount_usd) filter (
            where attempts.status = 'succeeded' and attempts.purpose = 'topup'
        ), 0) as topup_usd
    from attempts
    group by attempts.user_id
),

attempt_peaks as (
    select
        user_id,
        max(attempts_in_hour) as max_attempts_in_hour
    from attempt_windows
    group by user_id
),

event_signals as (
    select * from {{ ref('int_risk__user_event_signals') }}
),

payouts as (
    select * from {{ ref('stg_payments__payouts') }}
    where {{ known_by_cutoff('_first_batch_at', 'requested_at') }}
),

payout_account_users as (
    select
        payout_account_hash,
        count(distinct user_id) as account_users
    from payouts
    group by payout_account_hash
),

payout_signals as (
    select
        payouts.user_id,
        count(*) as payouts,
        coalesce(sum(payouts.amount_usd), 0) as payout_usd,
        count(distinct payouts.payout_account_hash) as payout_accounts,
        max(payout_account_users.account_users) as max_users_per_payout_account,
        min(payouts.requested_at) as first_payout_at
    from payouts
    inner join payout_account_users on payouts.payout_account_hash = payout_account_users.payout_account_hash
    group by payouts.user_id
),

trades as (
    select * from {{ ref('stg_trading__trades') }}
    where {{ known_by_cutoff('_batch_at', 'executed_at') }} and buyer_id <> seller_id
),

fraud_chargebacks as (
    select
        attempts.user_id,
        count(*) as fraud_chargebacks
    from {{ ref('stg_payments__chargebacks') }} as chargebacks
    inner join attempts on chargebacks.attempt_id = attempts.attempt_id
    where
        chargebacks.reason = 'fraudulent' and {{ known_by_cutoff('chargebacks._batch_at', 'chargebacks.received_at') }}
    group by attempts.user_id
),

-- a buyer paying with cards that were declined as stolen or that were charged back as fraud
risky_payers as (
    select user_id from payment_signals
    where suspicious_declines > 0
    union
    select user_id from fraud_chargebacks
),

buyer_ages as (
    select
        trades.trade_id,
        trades.seller_id,
        trades.buyer_id,
        trades.gross_amount_usd,
        trades.executed_at,
        date_diff('hour', buyers.created_at, trades.executed_at) < 72 as buyer_is_new,
        risky_payers.user_id is not null as buyer_is_risky_payer
    from trades
    left join users as buyers on trades.buyer_id = buyers.user_id
    left join risky_payers on trades.buyer_id = risky_payers.user_id
),

sales as (
    select
        seller_id as user_id,
        count(*) as trades_sold,
        coalesce(sum(gross_amount_usd), 0) as sold_usd,
        count(distinct buyer_id) as distinct_buyers,
        count(distinct buyer_id) filter (where buyer_is_new) as distinct_new_buyers,
        count(distinct buyer_id) filter (where buyer_is_risky_payer) as distinct_risky_buyers,
        coalesce(sum(gross_amount_usd) filter (where buyer_is_new), 0) as sold_to_new_buyers_usd,
        min(executed_at) as first_sale_at
    from buyer_ages
    group by seller_id
),

purchases as (
    select
        buyer_id as user_id,
        count(*) as trades_bought,
        coalesce(sum(gross_amount_usd), 0) as bought_usd,
        count(distinct seller_id) as distinct_sellers
    from trades
    group by buyer_id
),

mutual as (
    select
        buyer_id as user_id,
        count(*) filter (where is_mutual) as mutual_counterparties
    from {{ ref('int_risk__trade_edges') }}
    where {{ known_by_cutoff('known_at', 'first_trade_at') }}
    group by buyer_id
),

bonuses as (
    select
        user_id,
        count(*) as bonus_redemptions,
        coalesce(sum(bonus_amount_usd), 0) as bonus_usd
    from {{ ref('stg_promotions__redemptions') }}
    where {{ known_by_cutoff('_first_batch_at', 'redeemed_at') }}
    group by user_id
),

sharing as (
    select
        mine.user_id,
        count(distinct theirs.user_id) filter (where mine.identifier_type = 'device') as users_sharing_device,
        count(distinct theirs.user_id) filter (where mine.identifier_type = 'card') as users_sharing_card,
        count(distinct theirs.user_id) filter (
            where mine.identifier_type = 'payout_account'
        ) as users_sharing_payout_account,
        count(distinct theirs.user_id) filter (where mine.identifier_type = 'ip') as users_sharing_ip,
        count(distinct theirs.user_id) as users_sharing_any_identifier
    from {{ ref('int_risk__graph_edges') }} as mine
    inner join {{ ref('int_risk__graph_edges') }} as theirs
        on mine.identifier_key = theirs.identifier_key and mine.user_id <> theirs.user_id
    where {{ known_by_cutoff('mine.known_at') }} and {{ known_by_cutoff('theirs.known_at') }}
    group by mine.user_id
)

select
    users.user_id,
    cutoff.cutoff_at,
    users.created_at as signup_at,
    date_diff('hour', users.created_at, cutoff.cutoff_at) / 24.0 as account_age_days,
    users.country_code,
    users.status,
    users.kyc_level,
    users.email_domain,
    coalesce(payment_signals.payment_attempts, 0) as payment_attempts,
    coalesce(payment_signals.declined_attempts, 0) as declined_attempts,
    coalesce(payment_signals.succeeded_attempts, 0) as succeeded_attempts,
    coalesce(payment_signals.suspicious_declines, 0) as suspicious_declines,
    coalesce(payment_signals.small_attempts, 0) as small_attempts,
    coalesce(payment_signals.distinct_cards, 0) as distinct_cards,
    coalesce(payment_signals.distinct_card_bins, 0) as distinct_card_bins,
    coalesce(payment_signals.distinct_card_countries, 0) as distinct_card_countries,
    coalesce(attempt_peaks.max_attempts_in_hour, 0) as max_attempts_in_hour,
    coalesce(payment_signals.topup_usd, 0) as topup_usd,
    coalesce(event_signals.logins, 0) as logins,
    coalesce(event_signals.failed_logins, 0) as failed_logins,
    coalesce(event_signals.max_failed_logins_in_hour, 0) as max_failed_logins_in_hour,
    coalesce(event_signals.password_resets, 0) as password_resets,
    coalesce(event_signals.payout_methods_added, 0) as payout_methods_added,
    coalesce(event_signals.devices_used, 0) as devices_used,
    coalesce(event_signals.event_countries, 0) as event_countries,
    coalesce(event_signals.new_devices_after_signup, 0) as new_devices_after_signup,
    coalesce(event_signals.logins_from_other_country, 0) as logins_from_other_country,
    event_signals.first_password_reset_at,
    coalesce(payout_signals.payouts, 0) as payouts,
    coalesce(payout_signals.payout_usd, 0) as payout_usd,
    coalesce(payout_signals.payout_accounts, 0) as payout_accounts,
    coalesce(payout_signals.max_users_per_payout_account, 0) as max_users_per_payout_account,
    payout_signals.first_payout_at,
    coalesce(sales.trades_sold, 0) as trades_sold,
    coalesce(sales.sold_usd, 0) as sold_usd,
    coalesce(sales.distinct_buyers, 0) as distinct_buyers,
    coalesce(sales.distinct_new_buyers, 0) as distinct_new_buyers,
    coalesce(sales.distinct_risky_buyers, 0) as distinct_risky_buyers,
    coalesce(fraud_chargebacks.fraud_chargebacks, 0) as fraud_chargebacks,
    coalesce(sales.sold_to_new_buyers_usd, 0) as sold_to_new_buyers_usd,
    coalesce(purchases.trades_bought, 0) as trades_bought,
    coalesce(purchases.bought_usd, 0) as bought_usd,
    coalesce(purchases.distinct_sellers, 0) as distinct_sellers,
    coalesce(mutual.mutual_counterparties, 0) as mutual_counterparties,
    case
        when coalesce(sales.sold_usd, 0) + coalesce(purchases.bought_usd, 0) > 0
            then
                abs(coalesce(sales.sold_usd, 0) - coalesce(purchases.bought_usd, 0))
                / (coalesce(sales.sold_usd, 0) + coalesce(purchases.bought_usd, 0))
    end as net_flow_ratio,
    coalesce(bonuses.bonus_redemptions, 0) as bonus_redemptions,
    coalesce(bonuses.bonus_usd, 0) as bonus_usd,
    coalesce(sharing.users_sharing_device, 0) as users_sharing_device,
    coalesce(sharing.users_sharing_card, 0) as users_sharing_card,
    coalesce(sharing.users_sharing_payout_account, 0) as users_sharing_payout_account,
    coalesce(sharing.users_sharing_ip, 0) as users_sharing_ip,
    coalesce(sharing.users_sharing_any_identifier, 0) as users_sharing_any_identifier
from users
cross join cutoff
left join payment_signals on users.user_id = payment_signals.user_id
left join attempt_peaks on users.user_id = attempt_peaks.user_id
left join event_signals on users.user_id = event_signals.user_id
left join payout_signals on users.user_id = payout_signals.user_id
left join sales on users.user_id = sales.user_id
left join purchases on users.user_id = purchases.user_id
left join mutual on users.user_id = mutual.user_id
left join bonuses on users.user_id = bonuses.user_id
left join sharing on users.user_id = sharing.user_id
left join fraud_chargebacks on users.user_id = fraud_chargebacks.user_id
