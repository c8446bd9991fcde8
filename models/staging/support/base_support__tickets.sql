{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_csv_records(source('support', 'tickets'), [
        'ticket_id', 'user_id', 'created_at', 'category', 'status', 'resolved_at', 'resolution',
        'csat',
    ]) }}
),

parsed as (
    select
        *,
        {{ clean_text('ticket_id') }} as parsed_ticket_id,
        {{ parse_timestamp('created_at') }} as parsed_created_at,
        {{ parse_timestamp('resolved_at') }} as parsed_resolved_at,
        {{ parse_integer('csat') }} as parsed_csat
    from landed
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_ticket_id is null', 'missing_key'),
            ('created_at is null', 'missing_required_field'),
            ('parsed_created_at is null', 'invalid_timestamp'),
            ('resolved_at is not null and parsed_resolved_at is null', 'invalid_timestamp'),
            ('csat is not null and parsed_csat is null', 'invalid_number'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
