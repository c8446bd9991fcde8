-- The trades that count in business figures: every staged trade except those with an internal test
-- account (@qa.internal) on either side. A side whose user is not (yet) known is kept.
with test_accounts as (
    select user_id from {{ ref('stg_app__users') }}
    where is_test_account
),

trades as (
    select * from {{ ref('stg_trading__trades') }}
)

select
    trades.trade_id,
    trades.listing_id,
    trades.buyer_id,
    trades.seller_id,
    trades.currency,
    trades.price,
    trades.quantity,
    trades.gross_amount,
    trades.fee,
    trades.gross_amount_usd,
    trades.fee_usd,
    trades.executed_at,
    trades._batch_at
from trades
left join test_accounts as test_buyers on trades.buyer_id = test_buyers.user_id
left join test_accounts as test_sellers on trades.seller_id = test_sellers.user_id
where test_buyers.user_id is null and test_sellers.user_id is null
