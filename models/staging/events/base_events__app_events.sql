{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_jsonl_records(source('events', 'app_events'), [
        'event_id', 'event_type', 'user_id', 'anonymous_id', 'occurred_at', 'received_at',
        'device_id', 'ip', 'country',
    ], json_columns=['properties']) }}
),

parsed as (
    select
        *,
        {{ clean_text('event_id') }} as parsed_event_id,
        {{ parse_timestamp('occurred_at') }} as parsed_occurred_at,
        {{ parse_timestamp('received_at') }} as parsed_received_at
    from landed
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_event_id is null', 'missing_key'),
            ('occurred_at is null or received_at is null or event_type is null', 'missing_required_field'),
            ('parsed_occurred_at is null or parsed_received_at is null', 'invalid_timestamp'),
        ]) }} as _reject_reason
    from parsed
)

-- The delivered text is kept for rejected records only (the audit shows them); an accepted event
-- lives on in staging, and writing every line twice was a fifth of this model's cost.
select
    _file,
    _batch,
    _batch_at,
    _record_number,
    case when _reject_reason is not null then _raw_record end as _raw_record,
    properties,
    event_id,
    event_type,
    user_id,
    anonymous_id,
    occurred_at,
    received_at,
    device_id,
    ip,
    country,
    _structure_error,
    parsed_event_id,
    parsed_occurred_at,
    parsed_received_at,
    _reject_reason
from validated
