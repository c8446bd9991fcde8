-- Tickets are re-delivered whenever they change: the latest delivery is the current state.
with base as (
    select
        *,
        {{ first_delivered_at(['parsed_ticket_id']) }} as _first_batch_at
    from {{ ref('base_support__tickets') }}
    where _reject_reason is null
    qualify {{ version_rank(['parsed_ticket_id'], latest_delivery_first()) }} = 1
)

select
    -- ids
    parsed_ticket_id as ticket_id,
    {{ clean_text('user_id') }} as user_id,
    -- strings
    lower({{ clean_text('category') }}) as category,
    lower({{ clean_text('status') }}) as status,
    lower({{ clean_text('resolution') }}) as resolution,
    -- numerics: a satisfaction score outside 1-5 is not a score
    case when parsed_csat between 1 and 5 then parsed_csat end as csat,
    -- timestamps (UTC)
    parsed_created_at as created_at,
    parsed_resolved_at as resolved_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from base
