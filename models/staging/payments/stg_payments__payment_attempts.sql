{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(priced_keys_to_rebuild('base_payments__payment_attempts', 'parsed_attempt_id', 'attempt_id', 'staged.created_at::date')) }}",
            "{{ delete_keys_to_rebuild(['attempt_id']) }}",
        ],
        post_hook="{{ remember_deliveries_read(['base_payments__payment_attempts', 'stg_reference__fx_rates']) }}"
    )
}}

-- Exact re-deliveries are kept once, as first delivered. Amounts in major units by the currency's
-- exponent, and in USD at the rate of the attempt's UTC day (or the latest earlier one).
with base as (
    {{ first_ranked_versions(
        ref('base_payments__payment_attempts'), ['parsed_attempt_id'], first_delivery_first(),
        where='_reject_reason is null and ' ~ among_keys_to_rebuild('parsed_attempt_id', 'attempt_id')
    ) }}
),

converted as (
    select
        base.*,
        {{ minor_to_major('base.parsed_amount_minor', 'base.minor_units') }} as amount,
        fx_rates.usd_per_unit
    from base
    {{ join_usd_rate('base.parsed_currency', 'cast(base.parsed_created_at as date)') }}
)

select
    -- ids
    parsed_attempt_id as attempt_id,
    {{ clean_text('user_id') }} as user_id,
    {{ clean_text('card_fingerprint') }} as card_fingerprint,
    {{ clean_text('card_bin') }} as card_bin,
    -- strings
    upper({{ clean_text('card_country') }}) as card_country,
    parsed_currency as currency,
    lower({{ clean_text('purpose') }}) as purpose,
    lower({{ clean_text('status') }}) as status,
    lower({{ clean_text('decline_code') }}) as decline_code,
    -- numerics
    parsed_amount_minor as amount_minor,
    amount,
    {{ to_usd('amount', 'usd_per_unit') }} as amount_usd,
    -- timestamps (UTC)
    parsed_created_at as created_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
