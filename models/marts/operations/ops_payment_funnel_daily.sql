-- The money funnel of each signup cohort (UTC signup day x acquisition channel, last touch with a
-- 7-day click window): signed up -> attempted a payment -> paid (first successful payment,
-- activation) -> traded after paying -> received a paid payout after that trade. Each stage counts
-- the users who reached it after reaching the previous one, as of the last day of data, so every
-- stage is a subset of the one before. Test accounts are left out; fraud per
-- int_users__fraud_status.
with users as (
    select
        user_id,
        signup_date,
        acquisition_channel,
        is_fraud
    from {{ ref('int_users__acquisition_outcomes') }}
),

attempts as (
    select
        user_id,
        min(created_at) as first_attempt_at,
        min(created_at) filter (where status = 'succeeded') as first_success_at
    from {{ ref('stg_payments__payment_attempts') }}
    where user_id is not null
    group by user_id
),

trade_sides as (
    select
        buyer_id as user_id,
        executed_at
    from {{ ref('int_trades__excluding_test_accounts') }}
    union all
    select
        seller_id as user_id,
        executed_at
    from {{ ref('int_trades__excluding_test_accounts') }}
),

trades_after_payment as (
    select
        trade_sides.user_id,
        min(trade_sides.executed_at) as first_trade_after_payment_at
    from trade_sides
    inner join attempts
        on trade_sides.user_id = attempts.user_id and trade_sides.executed_at >= attempts.first_success_at
    group by trade_sides.user_id
),

payouts_after_trade as (
    select
        payouts.user_id,
        min(payouts.requested_at) as first_payout_after_trade_at
    from {{ ref('stg_payments__payouts') }} as payouts
    inner join trades_after_payment
        on
            payouts.user_id = trades_after_payment.user_id
            and payouts.requested_at >= trades_after_payment.first_trade_after_payment_at
    where payouts.status = 'paid'
    group by payouts.user_id
),

stages as (
    select
        users.signup_date,
        users.acquisition_channel,
        users.is_fraud,
        attempts.first_attempt_at is not null as attempted_payment,
        attempts.first_success_at is not null as paid,
        trades_after_payment.user_id is not null as traded,
        payouts_after_trade.user_id is not null as paid_out
    from users
    left join attempts on users.user_id = attempts.user_id
    left join trades_after_payment on users.user_id = trades_after_payment.user_id
    left join payouts_after_trade on users.user_id = payouts_after_trade.user_id
)

select
    signup_date::date as signup_date,
    acquisition_channel::varchar as acquisition_channel,
    count(*)::bigint as signups,
    count(*) filter (where attempted_payment)::bigint as users_attempted_payment,
    count(*) filter (where paid)::bigint as users_paid,
    count(*) filter (where traded)::bigint as users_traded_after_payment,
    count(*) filter (where paid_out)::bigint as users_paid_out_after_trade,
    count(*) filter (where is_fraud)::bigint as fraudulent_signups,
    count(*) filter (where not is_fraud)::bigint as signups_net_of_fraud,
    count(*) filter (where paid_out and not is_fraud)::bigint as users_paid_out_after_trade_net_of_fraud
from stages
group by all
