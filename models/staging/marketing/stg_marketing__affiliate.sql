-- One row per partner and UTC day, restatements resolved (latest delivery wins). Installs are as
-- the partner reports them, not as observed in the app.
-- the rank is a column filtered outside (Spark has no QUALIFY)
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_day', 'parsed_partner_id']) }} as _first_batch_at,
        {{ version_rank(['parsed_day', 'parsed_partner_id'], latest_delivery_first()) }} as _version_rank
    from {{ ref('base_marketing__affiliate') }}
    where _reject_reason is null
),

base as (
    select * from ranked
    where _version_rank = 1
),

converted as (
    select
        base.*,
        fx_rates.usd_per_unit
    from base
    {{ join_usd_rate('base.parsed_currency', 'base.parsed_day') }}
)

select
    -- keys
    parsed_day as report_date,
    parsed_partner_id as partner_id,
    -- strings
    {{ clean_text('partner_name') }} as partner_name,
    parsed_currency as currency,
    -- numerics
    coalesce(parsed_clicks, 0) as clicks,
    coalesce(parsed_installs, 0) as partner_reported_installs,
    parsed_payout_amount as spend,
    {{ to_usd('parsed_payout_amount', 'usd_per_unit') }} as spend_usd,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
