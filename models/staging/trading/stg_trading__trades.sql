{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(priced_keys_to_rebuild('base_trading__trades', 'parsed_trade_id', 'trade_id', 'staged.executed_at::date')) }}",
            "{{ delete_keys_to_rebuild(['trade_id']) }}",
        ],
        post_hook="{{ remember_deliveries_read(['base_trading__trades', 'stg_reference__fx_rates']) }}"
    )
}}

-- One row per trade. Gross value = price x quantity; fee is the platform's take, both in the
-- trade's currency and in USD at the rate of the trade's UTC day.
with base as (
    select
        *,
        {{ first_delivered_at(['parsed_trade_id']) }} as _first_batch_at
    from {{ ref('base_trading__trades') }}
    where _reject_reason is null and {{ among_keys_to_rebuild('parsed_trade_id', 'trade_id') }}
    qualify {{ version_rank(['parsed_trade_id'], latest_delivery_first()) }} = 1
),

converted as (
    select
        base.*,
        base.parsed_price * base.parsed_quantity as gross_amount,
        fx_rates.usd_per_unit
    from base
    {{ join_usd_rate('base.parsed_currency', 'base.parsed_executed_at::date') }}
)

select
    -- ids
    parsed_trade_id as trade_id,
    {{ clean_text('listing_id::varchar') }} as listing_id,
    {{ clean_text('buyer_id::varchar') }} as buyer_id,
    {{ clean_text('seller_id::varchar') }} as seller_id,
    -- strings
    parsed_currency as currency,
    -- numerics
    parsed_price as price,
    parsed_quantity as quantity,
    cast(gross_amount as decimal(18, 6)) as gross_amount,
    coalesce(parsed_fee, 0) as fee,
    {{ to_usd('gross_amount', 'usd_per_unit') }} as gross_amount_usd,
    {{ to_usd('coalesce(parsed_fee, 0)', 'usd_per_unit') }} as fee_usd,
    -- timestamps (UTC)
    parsed_executed_at as executed_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
