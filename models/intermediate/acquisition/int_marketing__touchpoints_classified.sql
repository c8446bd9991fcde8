-- Each touchpoint with the paid channel it belongs to: by its campaign_id when an ad platform
-- reports that campaign, else by the first utm_source rule of the channel_mapping_rules seed that
-- matches. Touches neither can place keep a null channel and never define an acquisition.
with touchpoints as (
    select * from {{ ref('stg_marketing__touchpoints') }}
),

-- The rules are matched once per distinct utm_source, not once per touch: a regular-expression
-- join cannot be hashed, so its cost is (rows x rules), and there are few distinct sources.
utm_sources as (
    select distinct utm_source_normalised
    from touchpoints
    where utm_source_normalised is not null
),

rule_matches as (
    select
        utm_sources.utm_source_normalised,
        channel_mapping_rules.channel,
        row_number() over (
            partition by utm_sources.utm_source_normalised order by channel_mapping_rules.rule_order
        ) as rule_rank
    from utm_sources
    inner join {{ ref('channel_mapping_rules') }} as channel_mapping_rules
        on regexp_matches(utm_sources.utm_source_normalised, channel_mapping_rules.utm_source_pattern)
)

select
    touchpoints.touch_id,
    touchpoints.anonymous_id,
    touchpoints.touch_type,
    touchpoints.touched_at,
    touchpoints.utm_source,
    touchpoints.utm_campaign,
    touchpoints.campaign_id,
    coalesce(campaign_channels.channel, rule_matches.channel) as channel,
    case
        when campaign_channels.channel is not null then 'campaign_id'
        when rule_matches.channel is not null then 'utm_source_rule'
    end as channel_evidence,
    touchpoints._batch_at,
    touchpoints._first_batch_at
from touchpoints
left join {{ ref('int_marketing__campaign_channels') }} as campaign_channels
    on touchpoints.campaign_id = campaign_channels.campaign_id
left join rule_matches
    on touchpoints.utm_source_normalised = rule_matches.utm_source_normalised and rule_matches.rule_rank = 1
