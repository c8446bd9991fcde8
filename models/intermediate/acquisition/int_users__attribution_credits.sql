{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ rebuild_keys_with_changed_inputs(['user_id'], attribution_credit_inputs()) }}",
        post_hook="{{ remember_input_fingerprints(['user_id'], attribution_credit_inputs()) }}"
    )
}}
{#- Attribution of each user's acquisition across the touches of the user's journey. Five models,
    each giving credit shares that sum to 1 per user:
    - last_touch: the last paid click in the acquisition_click_lookback_days before the install's
      first app_open (the definition of dim_users.acquisition_channel);
    - first_touch, linear, position_based (first and last 40 % each, 20 % shared by the middle;
      a 2-touch path splits 50/50) and time_decay (weight 2^(-age / half-life), age measured back
      from the first app_open) over the touches of the types in var attribution_touch_types with a
      known channel in the multi_touch_lookback_days before it.
    A user without such a touch gives the whole credit to the user's acquisition channel (referral
    or organic) with touch_number 0. Ties in time are broken by touch_id. -#}
{%- set click_days = var('acquisition_click_lookback_days') -%}
{%- set multi_days = var('multi_touch_lookback_days') -%}
{%- set half_life_days = var('time_decay_half_life_days') -%}
{%- set end_share = var('position_based_end_share') -%}
{%- set touch_types = "'" ~ var('attribution_touch_types') | join("', '") ~ "'" -%}
with users as (
    select
        user_id,
        acquisition_channel
    from {{ ref('int_users__acquisition') }}
    where {{ among_keys_to_rebuild('user_id', 'user_id', 'fingerprints') }}
),

paths as (
    select * from {{ ref('int_users__touch_paths') }}
    where {{ among_keys_to_rebuild('user_id', 'user_id', 'fingerprints') }}
),

multi_touch_touches as (
    select
        user_id,
        touch_id,
        touch_number,
        touch_type,
        touched_at,
        channel,
        campaign_id,
        row_number() over (partition by user_id order by touched_at, touch_id) as multi_touch_position,
        count(*) over (partition by user_id) as multi_touch_count,
        pow(
            0.5, date_diff('second', touched_at, installed_at) / ({{ half_life_days }} * 86400.0)
        ) as decay_weight
    from paths
    where
        channel is not null
        and touch_type in ({{ touch_types }})
        and touched_at < installed_at
        and touched_at >= installed_at - interval '{{ multi_days }} days'
),

last_paid_clicks as (
    select
        user_id,
        touch_id,
        touch_number,
        touch_type,
        touched_at,
        channel,
        campaign_id
    from paths
    where
        channel is not null
        and touch_type = 'click'
        and touched_at < installed_at
        and touched_at >= installed_at - interval '{{ click_days }} days'
    qualify row_number() over (partition by user_id order by touched_at desc, touch_id desc) = 1
),

touch_credits as (
    select
        user_id,
        'last_touch' as attribution_model,
        {{ click_days }} as lookback_days,
        touch_id,
        touch_number,
        touch_type,
        touched_at,
        channel,
        campaign_id,
        1.0::double as credit
    from last_paid_clicks
    union all
    select
        user_id,
        'first_touch' as attribution_model,
        {{ multi_days }} as lookback_days,
        touch_id,
        touch_number,
        touch_type,
        touched_at,
        channel,
        campaign_id,
        1.0::double as credit
    from multi_touch_touches
    where multi_touch_position = 1
    union all
    select
        user_id,
        'linear' as attribution_model,
        {{ multi_days }} as lookback_days,
        touch_id,
        touch_number,
        touch_type,
        touched_at,
        channel,
        campaign_id,
        1.0::double / multi_touch_count as credit
    from multi_touch_touches
    union all
    select
        user_id,
        'position_based' as attribution_model,
        {{ multi_days }} as lookback_days,
        touch_id,
        touch_number,
        touch_type,
        touched_at,
        channel,
        campaign_id,
        case
            when multi_touch_count = 1 then 1.0::double
            when multi_touch_count = 2 then 0.5::double
            when multi_touch_position in (1, multi_touch_count) then {{ end_share }}::double
            else (1.0 - 2 * {{ end_share }})::double / (multi_touch_count - 2)
        end as credit
    from multi_touch_touches
    union all
    select
        user_id,
        'time_decay' as attribution_model,
        {{ multi_days }} as lookback_days,
        touch_id,
        touch_number,
        touch_type,
        touched_at,
        channel,
        campaign_id,
        decay_weight::decimal(38, 18) / {{ exact_sum('decay_weight', 18) }} over (partition by user_id) as credit
    from multi_touch_touches
),

attribution_models as (
    select
        'last_touch' as attribution_model,
        {{ click_days }} as lookback_days
    union all
    select
        'first_touch' as attribution_model,
        {{ multi_days }} as lookback_days
    union all
    select
        'linear' as attribution_model,
        {{ multi_days }} as lookback_days
    union all
    select
        'position_based' as attribution_model,
        {{ multi_days }} as lookback_days
    union all
    select
        'time_decay' as attribution_model,
        {{ multi_days }} as lookback_days
),

fallback_credits as (
    select
        users.user_id,
        attribution_models.attribution_model,
        attribution_models.lookback_days,
        null::varchar as touch_id,
        0::bigint as touch_number,
        null::varchar as touch_type,
        null::timestamp as touched_at,
        users.acquisition_channel as channel,
        null::varchar as campaign_id,
        1.0::double as credit
    from users
    cross join attribution_models
    where not exists (
        select 1
        from touch_credits
        where
            touch_credits.user_id = users.user_id
            and touch_credits.attribution_model = attribution_models.attribution_model
    )
)

select
    user_id,
    attribution_model,
    lookback_days,
    touch_number,
    touch_id,
    touch_type,
    touched_at,
    channel,
    campaign_id,
    credit
from touch_credits
union all
select
    user_id,
    attribution_model,
    lookback_days,
    touch_number,
    touch_id,
    touch_type,
    touched_at,
    channel,
    campaign_id,
    credit
from fallback_credits
