{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_csv_records(source('risk', 'case_outcomes'), [
        'case_id', 'user_id', 'opened_at', 'closed_at', 'source', 'outcome', 'typology',
    ]) }}
),

parsed as (
    select
        *,
        {{ clean_text('case_id') }} as parsed_case_id,
        {{ parse_timestamp('opened_at') }} as parsed_opened_at,
        {{ parse_timestamp('closed_at') }} as parsed_closed_at
    from landed
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_case_id is null', 'missing_key'),
            ('opened_at is null', 'missing_required_field'),
            ('parsed_opened_at is null', 'invalid_timestamp'),
            ('closed_at is not null and parsed_closed_at is null', 'invalid_timestamp'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
