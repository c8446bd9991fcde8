-- the rank is a column filtered outside (Spark has no QUALIFY)
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_rate_date', 'parsed_currency']) }} as _first_batch_at,
        {{ version_rank(['parsed_rate_date', 'parsed_currency'], latest_delivery_first()) }} as _version_rank
    from {{ ref('base_reference__fx_rates') }}
    where _reject_reason is null
),

base as (
    select * from ranked
    where _version_rank = 1
)

select
    -- keys
    parsed_rate_date as rate_date,
    parsed_currency as currency,
    -- numerics
    parsed_usd_per_unit as usd_per_unit,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from base
