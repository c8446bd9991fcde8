{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- Spark port of models/staging/reference/base_reference__fx_rates.sql (unchanged logic).
with landed as (
    {{ landing_csv_records(source('landing', 'reference__fx_rates'), ['rate_date', 'currency', 'usd_per_unit']) }}
),

parsed as (
    select
        landed.*,
        {{ parse_date('landed.rate_date') }} as parsed_rate_date,
        upper({{ clean_text('landed.currency') }}) as parsed_currency,
        try_cast(trim(landed.usd_per_unit) as decimal(24, 12)) as parsed_usd_per_unit,
        currencies.currency_code is not null as is_known_currency
    from landed
    left join {{ ref('currencies') }} as currencies
        on upper({{ clean_text('landed.currency') }}) = currencies.currency_code
),

validated as (
    select
        *,
        {{ reject_reason([
            ('rate_date is null or parsed_currency is null', 'missing_key'),
            ('parsed_rate_date is null', 'invalid_timestamp'),
            ('usd_per_unit is null', 'missing_required_field'),
            ('parsed_usd_per_unit is null', 'invalid_number'),
            ('parsed_usd_per_unit <= 0', 'non_positive_amount'),
            ('not is_known_currency', 'unknown_currency'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
