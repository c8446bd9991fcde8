{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_parquet_records(source('trading', 'trades'), [
        'trade_id', 'listing_id', 'buyer_id', 'seller_id', 'executed_at', 'price', 'quantity',
        'currency', 'fee',
    ]) }}
),

parsed as (
    select
        landed.*,
        {{ clean_text('cast(landed.trade_id as ' ~ dbt.type_string() ~ ')') }} as parsed_trade_id,
        {{ parse_timestamp('cast(landed.executed_at as ' ~ dbt.type_string() ~ ')') }} as parsed_executed_at,
        try_cast(landed.price as decimal(18, 6)) as parsed_price,
        try_cast(landed.quantity as bigint) as parsed_quantity,
        try_cast(landed.fee as decimal(18, 6)) as parsed_fee,
        upper({{ clean_text('cast(landed.currency as ' ~ dbt.type_string() ~ ')') }}) as parsed_currency,
        currencies.currency_code is not null as is_known_currency
    from landed
    left join {{ ref('currencies') }} as currencies
        on upper({{ clean_text('cast(landed.currency as ' ~ dbt.type_string() ~ ')') }}) = currencies.currency_code
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_trade_id is null', 'missing_key'),
            ('executed_at is null', 'missing_required_field'),
            ('parsed_executed_at is null', 'invalid_timestamp'),
            ('price is null or quantity is null', 'missing_required_field'),
            ('parsed_price is null or parsed_quantity is null', 'invalid_number'),
            ('fee is not null and parsed_fee is null', 'invalid_number'),
            ('parsed_price <= 0 or parsed_quantity <= 0 or parsed_fee < 0', 'non_positive_amount'),
            ('not is_known_currency', 'unknown_currency'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
