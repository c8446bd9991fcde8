{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_csv_records(source('promotions', 'redemptions'), [
        'redemption_id', 'user_id', 'promo_code', 'redeemed_at', 'bonus_amount', 'currency',
    ]) }}
),

parsed as (
    select
        landed.*,
        {{ clean_text('landed.redemption_id') }} as parsed_redemption_id,
        {{ parse_timestamp('landed.redeemed_at') }} as parsed_redeemed_at,
        {{ parse_decimal('landed.bonus_amount') }} as parsed_bonus_amount,
        upper({{ clean_text('landed.currency') }}) as parsed_currency,
        currencies.currency_code is not null as is_known_currency
    from landed
    left join {{ ref('currencies') }} as currencies
        on upper({{ clean_text('landed.currency') }}) = currencies.currency_code
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_redemption_id is null', 'missing_key'),
            ('redeemed_at is null', 'missing_required_field'),
            ('parsed_redeemed_at is null', 'invalid_timestamp'),
            ('bonus_amount is null', 'missing_required_field'),
            ('parsed_bonus_amount is null', 'invalid_number'),
            ('parsed_bonus_amount <= 0', 'non_positive_amount'),
            ('not is_known_currency', 'unknown_currency'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
