-- Mule cash-out: a user paid by var mule_min_risky_buyers or more distinct buyers whose cards were
-- declined as stolen or charged back as fraud - and for whom those buyers are most of the money
-- received - who then requests a payout. Known once the last of those facts has been delivered.
with users as (
    select user_id from {{ ref('stg_app__users') }}
    where not is_test_account
),

risky_buyers as (
    select
        user_id,
        min(known_at) as risky_known_at
    from (
        select
            user_id,
            _batch_at as known_at
        from {{ ref('stg_payments__payment_attempts') }}
        where decline_code = 'stolen_card'
        union all
        select
            attempts.user_id,
            chargebacks._batch_at
        from {{ ref('stg_payments__chargebacks') }} as chargebacks
        inner join {{ ref('stg_payments__payment_attempts') }} as attempts
            on chargebacks.attempt_id = attempts.attempt_id
        where chargebacks.reason = 'fraudulent'
    ) as evidence
    group by user_id
),

risky_payments as (
    select
        trades.seller_id,
        trades.buyer_id,
        greatest(min(trades._batch_at), min(risky_buyers.risky_known_at)) as known_at,
        sum(trades.gross_amount_usd) as received_usd
    from {{ ref('stg_trading__trades') }} as trades
    inner join risky_buyers on trades.buyer_id = risky_buyers.user_id
    inner join users on trades.seller_id = users.user_id
    where trades.buyer_id <> trades.seller_id
    group by trades.seller_id, trades.buyer_id
),

ranked as (
    select
        *,
        row_number() over (partition by seller_id order by known_at, buyer_id) as buyer_rank,
        count(*) over (partition by seller_id) as risky_buyer_count,
        sum(received_usd) over (partition by seller_id) as received_from_risky_usd
    from risky_payments
),

sales as (
    select
        seller_id,
        sum(gross_amount_usd) as sold_usd
    from {{ ref('stg_trading__trades') }}
    group by seller_id
),

payouts as (
    select
        user_id,
        min(_first_batch_at) as first_payout_known_at,
        sum(amount_usd) as payout_usd
    from {{ ref('stg_payments__payouts') }}
    group by user_id
)

select
    'usr_mule_cashout' as strategy_id,
    'user' as entity_type,
    ranked.seller_id as entity_id,
    greatest(ranked.known_at, payouts.first_payout_known_at) as condition_met_at,
    least(100.0, 50 + 10.0 * ranked.risky_buyer_count) as score,
    payouts.payout_usd as money_at_risk_usd,
    'paid ' || round(ranked.received_from_risky_usd, 2) || ' USD by ' || ranked.risky_buyer_count
    || ' buyers with stolen-card declines or fraud chargebacks ('
    || round(100 * ranked.received_from_risky_usd / sales.sold_usd)
    || '% of sales); withdrew '
    || round(payouts.payout_usd, 2)
    || ' USD' as reason
from ranked
inner join payouts on ranked.seller_id = payouts.user_id
inner join sales on ranked.seller_id = sales.seller_id
where
    ranked.buyer_rank = {{ var('mule_min_risky_buyers') }}
    and ranked.received_from_risky_usd >= 0.5 * sales.sold_usd
