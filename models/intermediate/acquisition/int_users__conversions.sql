-- The conversions of each real user, one row per user and conversion type: install (the first
-- app_open of the user's install), signup, activation (the first successful payment attempt,
-- top-up or purchase) and first_trade (the first trade as buyer or seller, test-account trades
-- excluded). A conversion the user has not reached has no row.
with users as (
    select
        user_id,
        created_at
    from {{ ref('stg_app__users') }}
    where not is_test_account
),

acquisitions as (
    select
        user_id,
        first_app_open_at
    from {{ ref('int_users__acquisition') }}
),

first_payments as (
    select
        user_id,
        min(created_at) as activated_at
    from {{ ref('stg_payments__payment_attempts') }}
    where status = 'succeeded' and user_id is not null
    group by user_id
),

trades as (
    select * from {{ ref('int_trades__excluding_test_accounts') }}
),

first_trades as (
    select
        trade_sides.user_id,
        min(trade_sides.executed_at) as first_trade_at
    from (
        select
            buyer_id as user_id,
            executed_at
        from trades
        union all
        select
            seller_id as user_id,
            executed_at
        from trades
    ) as trade_sides
    where trade_sides.user_id is not null
    group by trade_sides.user_id
),

conversions as (
    select
        acquisitions.user_id,
        'install' as conversion_type,
        acquisitions.first_app_open_at as converted_at
    from acquisitions
    where acquisitions.first_app_open_at is not null
    union all
    select
        user_id,
        'signup' as conversion_type,
        created_at as converted_at
    from users
    union all
    select
        user_id,
        'activation' as conversion_type,
        activated_at as converted_at
    from first_payments
    union all
    select
        user_id,
        'first_trade' as conversion_type,
        first_trade_at as converted_at
    from first_trades
)

select
    conversions.user_id,
    conversions.conversion_type,
    conversions.converted_at
from conversions
inner join users on conversions.user_id = users.user_id
