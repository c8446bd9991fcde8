{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_jsonl_records(source('risk', 'decisions'), [
        'decision_id', 'user_id', 'checkpoint', 'subject_id', 'decided_at', 'score', 'action',
    ], json_columns=['rules_hit']) }}
),

parsed as (
    select
        *,
        {{ clean_text('decision_id') }} as parsed_decision_id,
        {{ parse_timestamp('decided_at') }} as parsed_decided_at,
        {{ parse_integer('score') }} as parsed_score
    from landed
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_decision_id is null', 'missing_key'),
            ('decided_at is null', 'missing_required_field'),
            ('parsed_decided_at is null', 'invalid_timestamp'),
            ('score is not null and parsed_score is null', 'invalid_number'),
        ]) }} as _reject_reason
    from parsed
)

select * from validated
