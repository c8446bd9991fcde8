{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_jsonl_records(source('marketing', 'social_ads'), [
        'date_start', 'campaign_id', 'campaign_name', 'impressions', 'clicks', 'spend',
        'account_currency',
    ]) }}
),

parsed as (
    select
        landed.*,
        {{ parse_date('landed.date_start') }} as parsed_date_start,
        {{ clean_text('landed.campaign_id') }} as parsed_campaign_id,
        {{ parse_integer('landed.impressions') }} as parsed_impressions,
        {{ parse_integer('landed.clicks') }} as parsed_clicks,
        {{ parse_decimal('landed.spend') }} as parsed_spend,
        upper({{ clean_text('landed.account_currency') }}) as parsed_currency,
        currencies.currency_code is not null as is_known_currency
    from landed
    left join {{ ref('currencies') }} as currencies
        on upper({{ clean_text('landed.account_currency') }}) = currencies.currency_code
),

validated as (
    select
        *,
        {{ reject_reason([
            ('date_start is null or parsed_campaign_id is null', 'missing_key'),
            ('parsed_date_start is null', 'invalid_timestamp'),
            ('spend is null', 'missing_required_field'),
            ('parsed_spend is null', 'invalid_number'),
            ('(impressions is not null and parsed_impressions is null) or (clicks is not null and parsed_clicks is null)', 'invalid_number'),
            ('parsed_spend <= 0 or parsed_impressions < 0 or parsed_clicks < 0', 'non_positive_amount'),
            ('not is_known_currency', 'unknown_currency'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
