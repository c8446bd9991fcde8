-- One row per real user describing their risk as of the cutoff (the latest delivery, or var
-- risk_as_of for a point-in-time build that uses only records delivered by then): velocity,
-- account age, identity sharing, group membership and group risk, trading-graph measures and the
-- known labels with their maturity (chargebacks arrive up to 120 days after a payment).
with signals as (
    select * from {{ ref('int_risk__user_signals') }}
),

members as (
    select * from {{ ref('risk_group_members') }}
),

groups as (
    select * from {{ ref('risk_groups') }}
),

cases as (
    select
        user_id,
        count(*) filter (where outcome = 'confirmed_fraud') as confirmed_fraud_cases,
        count(*) filter (where outcome = 'false_positive') as false_positive_cases
    from {{ ref('stg_risk__case_outcomes') }}
    where {{ known_by_cutoff('_batch_at') }}
    group by user_id
),

velocity as (
    select
        user_id,
        max(prior_actions_1h) filter (where action_type = 'payment_attempt') as max_prior_attempts_1h,
        max(prior_actions_24h) filter (where action_type = 'payment_attempt') as max_prior_attempts_24h,
        max(prior_actions_1h) filter (where action_type = 'payout') as max_prior_payouts_1h,
        max(prior_actions_24h) filter (where action_type = 'payout') as max_prior_payouts_24h,
        max(prior_actions_7d) filter (where action_type = 'payout') as max_prior_payouts_7d,
        max(prior_actions_1h) filter (where action_type = 'login') as max_prior_logins_1h,
        min(account_age_days) filter (where action_type = 'payout') as account_age_days_at_first_payout
    from {{ ref('int_risk__action_velocity') }}
    where {{ known_by_cutoff('known_at', 'acted_at') }}
    group by user_id
),

last_payments as (
    select
        user_id,
        max(created_at) as last_payment_at
    from {{ ref('stg_payments__payment_attempts') }}
    where status = 'succeeded' and {{ known_by_cutoff('_batch_at', 'created_at') }}
    group by user_id
)

select
    signals.user_id,
    signals.cutoff_at as features_as_of,
    signals.signup_at,
    cast(signals.account_age_days as double) as account_age_days,
    signals.country_code,
    signals.status,
    signals.kyc_level,
    signals.payment_attempts,
    signals.declined_attempts,
    signals.succeeded_attempts,
    signals.suspicious_declines,
    signals.small_attempts,
    signals.distinct_cards,
    signals.distinct_card_bins,
    signals.distinct_card_countries,
    signals.max_attempts_in_hour,
    signals.topup_usd,
    coalesce(velocity.max_prior_attempts_1h, 0) as max_prior_attempts_1h,
    coalesce(velocity.max_prior_attempts_24h, 0) as max_prior_attempts_24h,
    coalesce(velocity.max_prior_payouts_1h, 0) as max_prior_payouts_1h,
    coalesce(velocity.max_prior_payouts_24h, 0) as max_prior_payouts_24h,
    coalesce(velocity.max_prior_payouts_7d, 0) as max_prior_payouts_7d,
    coalesce(velocity.max_prior_logins_1h, 0) as max_prior_logins_1h,
    velocity.account_age_days_at_first_payout,
    signals.logins,
    signals.failed_logins,
    signals.max_failed_logins_in_hour,
    signals.password_resets,
    signals.payout_methods_added,
    signals.devices_used,
    signals.new_devices_after_signup,
    signals.logins_from_other_country,
    signals.payouts,
    signals.payout_usd,
    signals.payout_accounts,
    signals.max_users_per_payout_account,
    signals.trades_sold,
    signals.sold_usd,
    signals.distinct_buyers,
    signals.distinct_new_buyers,
    signals.distinct_risky_buyers,
    signals.trades_bought,
    signals.bought_usd,
    signals.distinct_sellers,
    signals.mutual_counterparties,
    signals.net_flow_ratio,
    signals.bonus_redemptions,
    signals.bonus_usd,
    signals.users_sharing_device,
    signals.users_sharing_card,
    signals.users_sharing_payout_account,
    signals.users_sharing_ip,
    signals.users_sharing_any_identifier,
    members.group_id,
    coalesce(groups.member_count, 1) as group_size,
    coalesce(groups.risk_score, 0) as group_risk_score,
    coalesce(groups.is_flagged, false) as is_in_flagged_group,
    signals.fraud_chargebacks,
    coalesce(cases.confirmed_fraud_cases, 0) as confirmed_fraud_cases,
    coalesce(cases.false_positive_cases, 0) as false_positive_cases,
    signals.fraud_chargebacks > 0 or coalesce(cases.confirmed_fraud_cases, 0) > 0 as is_labelled_fraud,
    -- chargebacks can arrive up to 120 days after the last payment: before that, "no chargeback"
    -- is not yet a label
    last_payments.last_payment_at,
    last_payments.last_payment_at is null
    or last_payments.last_payment_at <= signals.cutoff_at - interval 120 days as is_label_mature
from signals
left join members on signals.user_id = members.user_id
left join groups on members.group_id = groups.group_id
left join cases on signals.user_id = cases.user_id
left join last_payments on signals.user_id = last_payments.user_id
left join velocity on signals.user_id = velocity.user_id
