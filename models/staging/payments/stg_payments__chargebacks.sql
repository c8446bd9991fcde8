{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(priced_keys_to_rebuild('base_payments__chargebacks', 'parsed_chargeback_id', 'chargeback_id', 'staged.received_at::date')) }}",
            "{{ delete_keys_to_rebuild(['chargeback_id']) }}",
        ],
        post_hook="{{ remember_deliveries_read(['base_payments__chargebacks', 'stg_reference__fx_rates']) }}"
    )
}}

-- A chargeback can name an attempt the warehouse has not seen yet: it is kept, and joins once the
-- processor re-sends the attempt.
with base as (
    select
        *,
        {{ first_delivered_at(['parsed_chargeback_id']) }} as _first_batch_at
    from {{ ref('base_payments__chargebacks') }}
    where _reject_reason is null and {{ among_keys_to_rebuild('parsed_chargeback_id', 'chargeback_id') }}
    qualify {{ version_rank(['parsed_chargeback_id'], latest_delivery_first()) }} = 1
),

converted as (
    select
        base.*,
        {{ minor_to_major('base.parsed_amount_minor', 'base.minor_units') }} as amount,
        fx_rates.usd_per_unit
    from base
    {{ join_usd_rate('base.parsed_currency', 'base.parsed_received_at::date') }}
)

select
    -- ids
    parsed_chargeback_id as chargeback_id,
    {{ clean_text('attempt_id') }} as attempt_id,
    -- strings
    lower({{ clean_text('reason') }}) as reason,
    parsed_currency as currency,
    -- numerics
    parsed_amount_minor as amount_minor,
    amount,
    {{ to_usd('amount', 'usd_per_unit') }} as amount_usd,
    -- timestamps (UTC)
    parsed_received_at as received_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
