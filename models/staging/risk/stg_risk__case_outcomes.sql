-- Cases are re-delivered as they progress (opened, then closed with an outcome): latest wins.
with base as (
    select
        *,
        {{ first_delivered_at(['parsed_case_id']) }} as _first_batch_at
    from {{ ref('base_risk__case_outcomes') }}
    where _reject_reason is null
    qualify {{ version_rank(['parsed_case_id'], latest_delivery_first()) }} = 1
)

select
    -- ids
    parsed_case_id as case_id,
    {{ clean_text('user_id') }} as user_id,
    -- strings
    lower({{ clean_text('source') }}) as source,
    lower({{ clean_text('outcome') }}) as outcome,
    lower({{ clean_text('typology') }}) as typology,
    -- timestamps (UTC)
    parsed_opened_at as opened_at,
    parsed_closed_at as closed_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from base
