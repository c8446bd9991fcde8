-- The time zone in which each ad platform reports a campaign's day: the search account's own zone
-- (latest delivery), UTC for social campaigns and affiliate partners. Users credited to a campaign
-- are counted on that same local day, so a campaign's spend and its signups share one calendar.
with search_campaigns as (
    select
        campaign_id,
        account_timezone,
        report_date,
        _batch_at
    from {{ ref('stg_marketing__search_ads') }}
    where account_timezone is not null
    qualify row_number() over (
        partition by campaign_id order by report_date desc, _batch_at desc
    ) = 1
),

reported_campaigns as (
    select
        'paid_search' as channel,
        campaign_id,
        account_timezone as reporting_timezone
    from search_campaigns
    union all
    select distinct
        'paid_social' as channel,
        campaign_id,
        'UTC' as reporting_timezone
    from {{ ref('stg_marketing__social_ads') }}
    union all
    select distinct
        'affiliate' as channel,
        partner_id as campaign_id,
        'UTC' as reporting_timezone
    from {{ ref('stg_marketing__affiliate') }}
)

select
    channel,
    campaign_id,
    reporting_timezone
from reported_campaigns
