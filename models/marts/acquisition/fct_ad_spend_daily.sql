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
        cast(null as bigint) as partner_reported_installs,
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
        cast(null as bigint) as partner_reported_installs,
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
        cast(null as bigint) as impressions,
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
    cast(report_date as date) as report_date,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
    cast(reporting_timezone as {{ dbt.type_string() }}) as reporting_timezone,
    cast(currency as {{ dbt.type_string() }}) as currency,
    cast(impressions as bigint) as impressions,
    cast(clicks as bigint) as clicks,
    cast(partner_reported_installs as bigint) as partner_reported_installs,
    cast(spend as decimal(18, 6)) as spend,
    cast(spend_usd as decimal(18, 6)) as spend_usd,
    cast(source_model as {{ dbt.type_string() }}) as source_model,
    cast(_first_batch_at as timestamp) as first_delivered_at,
    cast(_batch_at as timestamp) as last_delivered_at
from unioned
