{{
    config(
        materialized='incremental',
        unique_key='decision_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with base as (
    select
        *,
        {{ first_delivered_at(['parsed_decision_id']) }} as _first_batch_at
    from {{ ref('base_risk__decisions') }}
    where _reject_reason is null
    {{ only_keys_with_new_deliveries(ref('base_risk__decisions'), 'parsed_decision_id') }}
    qualify {{ version_rank(['parsed_decision_id'], latest_delivery_first()) }} = 1
)

select
    -- ids
    parsed_decision_id as decision_id,
    {{ clean_text('user_id') }} as user_id,
    {{ clean_text('subject_id') }} as subject_id,
    -- strings
    lower({{ clean_text('checkpoint') }}) as checkpoint,
    lower({{ clean_text('action') }}) as action,
    coalesce(try_cast(rules_hit as varchar[]), []) as rules_hit,
    -- numerics
    parsed_score as score,
    -- timestamps (UTC)
    parsed_decided_at as decided_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from base
