-- Spark port of models/staging/reference/stg_reference__fx_rates.sql.
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_rate_date', 'parsed_currency']) }} as _first_batch_at,
        {{ version_rank(['parsed_rate_date', 'parsed_currency'], latest_delivery_first()) }} as _version_rank
    from {{ ref('base_reference__fx_rates') }}
    where _reject_reason is null
)

select
    parsed_rate_date as rate_date,
    parsed_currency as currency,
    parsed_usd_per_unit as usd_per_unit,
    _batch,
    _batch_at,
    _first_batch_at
from ranked
where _version_rank = 1
