{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_csv_records(source('marketing', 'affiliate'), [
        'day', 'partner_id', 'partner_name', 'clicks', 'installs', 'payout_amount',
        'payout_currency',
    ]) }}
),

parsed as (
    select
        landed.*,
        {{ parse_date('landed.day') }} as parsed_day,
        {{ clean_text('landed.partner_id') }} as parsed_partner_id,
        {{ parse_integer('landed.clicks') }} as parsed_clicks,
        {{ parse_integer('landed.installs') }} as parsed_installs,
        {{ parse_decimal('landed.payout_amount') }} as parsed_payout_amount,
        upper({{ clean_text('landed.payout_currency') }}) as parsed_currency,
        currencies.currency_code is not null as is_known_currency
    from landed
    left join {{ ref('currencies') }} as currencies
        on upper({{ clean_text('landed.payout_currency') }}) = currencies.currency_code
),

validated as (
    select
        *,
        {{ reject_reason([
            ('day is null or parsed_partner_id is null', 'missing_key'),
            ('parsed_day is null', 'invalid_timestamp'),
            ('payout_amount is null', 'missing_required_field'),
            ('parsed_payout_amount is null', 'invalid_number'),
            ('(clicks is not null and parsed_clicks is null) or (installs is not null and parsed_installs is null)', 'invalid_number'),
            ('parsed_payout_amount <= 0 or parsed_clicks < 0 or parsed_installs < 0', 'non_positive_amount'),
            ('not is_known_currency', 'unknown_currency'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
