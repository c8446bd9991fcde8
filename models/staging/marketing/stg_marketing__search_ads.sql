-- One row per campaign and reporting day, restatements resolved (latest delivery wins).
-- report_date stays the ad account's own local day, as the platform bills it.
-- the rank is a column filtered outside (Spark has no QUALIFY)
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_report_date', 'parsed_campaign_id']) }} as _first_batch_at,
        {{ version_rank(['parsed_report_date', 'parsed_campaign_id'], latest_delivery_first()) }} as _version_rank
    from {{ ref('base_marketing__search_ads') }}
    where _reject_reason is null
),

base as (
    select * from ranked
    where _version_rank = 1
),

converted as (
    select
        base.*,
        cast(base.parsed_cost_micros as decimal(18, 0)) * 0.000001 as spend,
        fx_rates.usd_per_unit
    from base
    {{ join_usd_rate('base.parsed_currency', 'base.parsed_report_date') }}
)

select
    -- keys
    parsed_report_date as report_date,
    parsed_campaign_id as campaign_id,
    -- strings
    {{ clean_text('campaign_name') }} as campaign_name,
    {{ clean_text('account_timezone') }} as account_timezone,
    parsed_currency as currency,
    -- numerics
    coalesce(parsed_impressions, 0) as impressions,
    coalesce(parsed_clicks, 0) as clicks,
    parsed_cost_micros as cost_micros,
    cast(spend as decimal(18, 6)) as spend,
    {{ to_usd('spend', 'usd_per_unit') }} as spend_usd,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from converted
