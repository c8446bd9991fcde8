-- Paid media in one schema: one row per platform reporting day, channel and campaign (affiliate:
-- partner), from the three marketing feeds after restatements (latest delivery wins, in staging).
-- report_date is the day as the platform reports it: the search account's local day, the UTC day
-- for social and affiliate. Spend is kept in the original currency and in USD at that day's rate
-- (or the latest earlier one).
with search_ads as (
    select * from {{ ref('stg_marketing__search_ads') }}
),

social_ads as (
    select * from {{ ref('stg_marketing__social_ads') }}
),

affiliate as (
    select * from {{ ref('stg_marketing__affiliate') }}
),

unioned as (
    select
        report_date,
        'paid_search' as channel,
        campaign_id,
        campaign_name,
        coalesce(account_timezone, 'UTC') as reporting_timezone,
        currency,
        impressions,
        clicks,
        null::bigint as partner_reported_installs,
        spend,
        spend_usd,
        'stg_marketing__search_ads' as source_model,
        _first_batch_at,
        _batch_at
    from search_ads
    union all
    select
        report_date,
        'paid_social' as channel,
        campaign_id,
        campaign_name,
        'UTC' as reporting_timezone,
        currency,
        impressions,
        clicks,
        null::bigint as partner_reported_installs,
        spend,
        spend_usd,
        'stg_marketing__social_ads' as source_model,
        _first_batch_at,
        _batch_at
    from social_ads
    union all
    select
        report_date,
        'affiliate' as channel,
        partner_id as campaign_id,
        partner_name as campaign_name,
        'UTC' as reporting_timezone,
        currency,
        null::bigint as impressions,
        clicks,
        partner_reported_installs,
        spend,
        spend_usd,
        'stg_marketing__affiliate' as source_model,
        _first_batch_at,
        _batch_at
    from affiliate
)

select
    report_date::date as report_date,
    channel::varchar as channel,
    campaign_id::varchar as campaign_id,
    campaign_name::varchar as campaign_name,
    reporting_timezone::varchar as reporting_timezone,
    currency::varchar as currency,
    impressions::bigint as impressions,
    clicks::bigint as clicks,
    partner_reported_installs::bigint as partner_reported_installs,
    spend::decimal(18, 6) as spend,
    spend_usd::decimal(18, 6) as spend_usd,
    source_model::varchar as source_model,
    _first_batch_at::timestamp as first_delivered_at,
    _batch_at::timestamp as last_delivered_at
from unioned
