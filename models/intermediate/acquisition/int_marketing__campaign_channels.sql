-- Every campaign id the ad platforms report (and every affiliate partner id), with its channel.
-- A touchpoint's campaign_id found here is the most reliable evidence of its channel; an id that
-- two platforms share is ambiguous and left out, so the utm_source rules decide instead.
with reported_campaigns as (
    select distinct
        campaign_id,
        'paid_search' as channel
    from {{ ref('stg_marketing__search_ads') }}
    union all
    select distinct
        campaign_id,
        'paid_social' as channel
    from {{ ref('stg_marketing__social_ads') }}
    union all
    select distinct
        partner_id as campaign_id,
        'affiliate' as channel
    from {{ ref('stg_marketing__affiliate') }}
)

select
    campaign_id,
    min(channel) as channel
from reported_campaigns
group by campaign_id
having count(distinct channel) = 1
