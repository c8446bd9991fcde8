{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_csv_records(source('marketing', 'search_ads'), [
        'report_date', 'account_timezone', 'campaign_id', 'campaign_name', 'impressions', 'clicks',
        'cost_micros', 'currency',
    ]) }}
),

parsed as (
    select
        landed.*,
        {{ parse_date('landed.report_date') }} as parsed_report_date,
        {{ clean_text('landed.campaign_id') }} as parsed_campaign_id,
        {{ parse_integer('landed.impressions') }} as parsed_impressions,
        {{ parse_integer('landed.clicks') }} as parsed_clicks,
        {{ parse_integer('landed.cost_micros') }} as parsed_cost_micros,
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
            ('report_date is null or parsed_campaign_id is null', 'missing_key'),
            ('parsed_report_date is null', 'invalid_timestamp'),
            ('cost_micros is null', 'missing_required_field'),
            ('parsed_cost_micros is null', 'invalid_number'),
            ('(impressions is not null and parsed_impressions is null) or (clicks is not null and parsed_clicks is null)', 'invalid_number'),
            ('parsed_cost_micros <= 0 or parsed_impressions < 0 or parsed_clicks < 0', 'non_positive_amount'),
            ('not is_known_currency', 'unknown_currency'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
