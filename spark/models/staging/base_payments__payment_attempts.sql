{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Spark port of models/staging/payments/base_payments__payment_attempts.sql (unchanged logic).
with landed as (
    {{ landing_csv_records(source('landing', 'payments__payment_attempts'), [
        'attempt_id', 'user_id', 'created_at', 'amount_minor', 'currency', 'purpose',
        'card_fingerprint', 'card_bin', 'card_country', 'status', 'decline_code',
    ]) }}
),

parsed as (
    select
        landed.*,
        {{ clean_text('landed.attempt_id') }} as parsed_attempt_id,
        {{ parse_epoch_ms('landed.created_at') }} as parsed_created_at,
        {{ parse_integer('landed.amount_minor') }} as parsed_amount_minor,
        upper({{ clean_text('landed.currency') }}) as parsed_currency,
        currencies.minor_units
    from landed
    left join {{ ref('currencies') }} as currencies
        on upper({{ clean_text('landed.currency') }}) = currencies.currency_code
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_attempt_id is null', 'missing_key'),
            ('created_at is null', 'missing_required_field'),
            ('parsed_created_at is null', 'invalid_timestamp'),
            ('amount_minor is null', 'missing_required_field'),
            ('parsed_amount_minor is null', 'invalid_number'),
            ('parsed_amount_minor <= 0', 'non_positive_amount'),
            ('minor_units is null', 'unknown_currency'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
