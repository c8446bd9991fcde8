{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- At-least-once delivery: an event that arrives again is kept once, as first delivered.
with base as (
    {{ first_ranked_versions(
        ref('base_events__app_events'), ['parsed_event_id'], first_delivery_first(),
        where='_reject_reason is null '
        ~ only_keys_with_new_deliveries(ref('base_events__app_events'), 'parsed_event_id')
    ) }}
)

select
    -- ids
    parsed_event_id as event_id,
    {{ clean_text('user_id') }} as user_id,
    {{ clean_text('anonymous_id') }} as anonymous_id,
    {{ clean_text('device_id') }} as device_id,
    {{ clean_text('ip') }} as ip,
    -- strings
    lower({{ clean_text('event_type') }}) as event_type,
    upper({{ clean_text('country') }}) as country_code,
    regexp_extract(trim(occurred_at), '(Z|[+-][0-9]{2}:?[0-9]{2})$', 1) as occurred_at_utc_offset,
    -- free-form
    properties,
    -- timestamps (UTC)
    parsed_occurred_at as occurred_at,
    parsed_received_at as received_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from base
