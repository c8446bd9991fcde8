-- Each touchpoint with the paid channel it belongs to: by its campaign_id when an ad platform
-- reports that campaign, else by the first utm_source rule of the channel_mapping_rules seed that
-- matches. Touches neither can place keep a null channel and never define an acquisition.
with touchpoints as (
    select * from {{ ref('stg_marketing__touchpoints') }}
),

rule_matches as (
    select
        touchpoints.touch_id,
        channel_mapping_rules.channel,
        row_number() over (
            partition by touchpoints.touch_id order by channel_mapping_rules.rule_order
        ) as rule_rank
    from touchpoints
    inner join {{ ref('channel_mapping_rules') }} as channel_mapping_rules
        on regexp_matches(touchpoints.utm_source_normalised, channel_mapping_rules.utm_source_pattern)
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
    on touchpoints.touch_id = rule_matches.touch_id and rule_matches.rule_rank = 1
