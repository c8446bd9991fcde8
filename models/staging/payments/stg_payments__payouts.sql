{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(priced_keys_to_rebuild('base_payments__payouts', 'parsed_payout_id', 'payout_id', 'staged.requested_at::date')) }}",
            "{{ delete_keys_to_rebuild(['payout_id']) }}",
        ],
        post_hook="{{ remember_deliveries_read(['base_payments__payouts', 'stg_reference__fx_rates']) }}"
    )
}}

-- A payout re-delivered with a newer status (pending -> paid) keeps its latest delivery.
with base as (
    select
        *,
        {{ first_delivered_at(['parsed_payout_id']) }} as _first_batch_at
    from {{ ref('base_payments__payouts') }}
    where _reject_reason is null and {{ among_keys_to_rebuild('parsed_payout_id', 'payout_id') }}
    qualify {{ version_rank(['parsed_payout_id'], latest_delivery_first()) }} = 1
),

converted as (
    select
        base.*,
        {{ minor_to_major('base.parsed_amount_minor', 'base.minor_units') }} as amount,
        fx_rates.usd_per_unit
    from base
    {{ join_usd_rate('base.parsed_currency', 'base.parsed_requested_at::date') }}
)

select
    -- ids
    parsed_payout_id as payout_id,
    {{ clean_text('user_id') }} as user_id,
    {{ clean_text('payout_account_hash') }} as payout_account_hash,
    -- strings
    parsed_currency as currency,
    lower({{ clean_text('status') }}) as status,
    -- numerics
    parsed_amount_minor as amount_minor,
    amount,
    {{ to_usd('amount', 'usd_per_unit') }} as amount_usd,
    -- timestamps (UTC)
    parsed_requested_at as requested_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
