{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(priced_keys_to_rebuild('base_promotions__redemptions', 'parsed_redemption_id', 'redemption_id', 'staged.redeemed_at::date')) }}",
            "{{ delete_keys_to_rebuild(['redemption_id']) }}",
        ],
        post_hook="{{ remember_deliveries_read(['base_promotions__redemptions', 'stg_reference__fx_rates']) }}"
    )
}}

with base as (
    select
        *,
        {{ first_delivered_at(['parsed_redemption_id']) }} as _first_batch_at
    from {{ ref('base_promotions__redemptions') }}
    where _reject_reason is null and {{ among_keys_to_rebuild('parsed_redemption_id', 'redemption_id') }}
    qualify {{ version_rank(['parsed_redemption_id'], latest_delivery_first()) }} = 1
),

converted as (
    select
        base.*,
        fx_rates.usd_per_unit
    from base
    {{ join_usd_rate('base.parsed_currency', 'base.parsed_redeemed_at::date') }}
)

select
    -- ids
    parsed_redemption_id as redemption_id,
    {{ clean_text('user_id') }} as user_id,
    -- strings
    upper({{ clean_text('promo_code') }}) as promo_code,
    parsed_currency as currency,
    -- numerics
    parsed_bonus_amount as bonus_amount,
    {{ to_usd('parsed_bonus_amount', 'usd_per_unit') }} as bonus_amount_usd,
    -- timestamps (UTC)
    parsed_redeemed_at as redeemed_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
