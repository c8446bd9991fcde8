{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ rebuild_keys_with_changed_inputs(['conversion_date'], attribution_channel_daily_inputs()) }}",
        post_hook="{{ remember_input_fingerprints(['conversion_date'], attribution_channel_daily_inputs()) }}"
    )
}}
-- Attributed conversions per UTC conversion day, conversion type, attribution model, channel and
-- campaign: the credit shares of acq_attribution summed, with and without fraudulent users, and the
-- D30 fee revenue of the converting users weighted by the same credit. Comparing models on one
-- conversion type shows how credit moves between channels; each model's credits add up to the
-- conversions of that type.
-- Incremental by conversion day: a run rebuilds the days whose attributed conversions or their
-- users' D30 revenue changed (macros/incremental/input_fingerprints.sql).
with attribution as (
    select * from {{ ref('acq_attribution') }}
    where {{ among_keys_to_rebuild('conversion_date', 'conversion_date', 'fingerprints') }}
),

outcomes as (
    select
        user_id,
        revenue_d30_usd
    from {{ ref('int_users__acquisition_outcomes') }}
)

select
    attribution.conversion_date::date as conversion_date,
    attribution.conversion_type::varchar as conversion_type,
    attribution.attribution_model::varchar as attribution_model,
    attribution.attribution_lookback_days::integer as attribution_lookback_days,
    attribution.channel::varchar as channel,
    case
        when attribution.campaign_id is not null then attribution.campaign_id
        when attribution.channel in ('referral', 'organic') then '(none)'
        else '(unknown)'
    end::varchar as campaign_id,
    {{ exact_sum('attribution.credit') }}::double as credited_conversions,
    coalesce({{ exact_sum('attribution.credit') }} filter (where not attribution.is_fraud), 0)::double
        as credited_conversions_net_of_fraud,
    count(distinct attribution.user_id)::bigint as converting_users,
    {{ exact_sum('attribution.credit * outcomes.revenue_d30_usd') }}::double as credited_revenue_d30_usd,
    coalesce(
        {{ exact_sum('attribution.credit * outcomes.revenue_d30_usd') }} filter (where not attribution.is_fraud), 0
    )::double as credited_revenue_d30_net_of_fraud_usd
from attribution
left join outcomes on attribution.user_id = outcomes.user_id
group by all
