-- One row per campaign and UTC day, restatements resolved (latest delivery wins). Keys the
-- platform adds without notice are ignored.
-- the rank is a column filtered outside (Spark has no QUALIFY)
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_date_start', 'parsed_campaign_id']) }} as _first_batch_at,
        {{ version_rank(['parsed_date_start', 'parsed_campaign_id'], latest_delivery_first()) }} as _version_rank
    from {{ ref('base_marketing__social_ads') }}
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
    {{ join_usd_rate('base.parsed_currency', 'base.parsed_date_start') }}
)

select
    -- keys
    parsed_date_start as report_date,
    parsed_campaign_id as campaign_id,
    -- strings
    {{ clean_text('campaign_name') }} as campaign_name,
    parsed_currency as currency,
    -- numerics
    coalesce(parsed_impressions, 0) as impressions,
    coalesce(parsed_clicks, 0) as clicks,
    parsed_spend as spend,
    {{ to_usd('parsed_spend', 'usd_per_unit') }} as spend_usd,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
