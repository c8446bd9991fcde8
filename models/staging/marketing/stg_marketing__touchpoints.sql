{{
    config(
        materialized='incremental',
        unique_key='touch_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- utm_source is kept as delivered and in a normalised form (lower case, runs of anything but
-- letters and digits folded to "_") that the channel mapping seed matches on.
with base as (
    {{ first_ranked_versions(
        ref('base_marketing__touchpoints'), ['parsed_touch_id'], first_delivery_first(),
        where='_reject_reason is null '
        ~ only_keys_with_new_deliveries(ref('base_marketing__touchpoints'), 'parsed_touch_id')
    ) }}
)

select
    -- ids
    parsed_touch_id as touch_id,
    {{ clean_text('anonymous_id') }} as anonymous_id,
    {{ clean_text('campaign_id') }} as campaign_id,
    -- strings
    lower({{ clean_text('touch_type') }}) as touch_type,
    {{ clean_text('utm_source') }} as utm_source,
    trim(regexp_replace(lower(trim(utm_source)), '[^a-z0-9]+', '_', 'g'), '_') as utm_source_normalised,
    {{ clean_text('utm_campaign') }} as utm_campaign,
    -- timestamps (UTC)
    parsed_touched_at as touched_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from base
