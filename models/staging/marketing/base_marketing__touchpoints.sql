{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_jsonl_records(source('marketing', 'touchpoints'), [
        'touch_id', 'anonymous_id', 'touched_at', 'touch_type', 'utm_source', 'utm_campaign',
        'campaign_id',
    ]) }}
),

parsed as (
    select
        *,
        {{ clean_text('touch_id') }} as parsed_touch_id,
        {{ parse_timestamp('touched_at') }} as parsed_touched_at
    from landed
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_touch_id is null', 'missing_key'),
            ('touched_at is null', 'missing_required_field'),
            ('parsed_touched_at is null', 'invalid_timestamp'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
