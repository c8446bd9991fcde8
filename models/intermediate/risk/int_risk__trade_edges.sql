-- The trading graph: one row per directed buyer -> seller pair, with how much value moved, when,
-- and whether the pair also trades the other way. Money moves from buyer to seller, so a seller
-- with many distinct buyers is a collection point and mutual pairs with balanced flows are the
-- mark of wash trading.
with trades as (
    select * from {{ ref('stg_trading__trades') }}
    where buyer_id is not null and seller_id is not null and buyer_id <> seller_id
),

pairs as (
    select
        buyer_id,
        seller_id,
        count(*) as trades,
        sum(gross_amount_usd) as gross_usd,
        sum(fee_usd) as fee_usd,
        min(executed_at) as first_trade_at,
        max(executed_at) as last_trade_at,
        min(_batch_at) as known_at
    from trades
    group by buyer_id, seller_id
)

select
    pairs.buyer_id,
    pairs.seller_id,
    pairs.trades,
    pairs.gross_usd,
    pairs.fee_usd,
    pairs.first_trade_at,
    pairs.last_trade_at,
    pairs.known_at,
    reverse_pairs.buyer_id is not null as is_mutual,
    coalesce(reverse_pairs.gross_usd, 0) as reverse_gross_usd
from pairs
left join pairs as reverse_pairs
    on pairs.buyer_id = reverse_pairs.seller_id and pairs.seller_id = reverse_pairs.buyer_id
