-- How each user was acquired. The acquisition channel is the channel of the user's last paid click
-- in the {{ var('acquisition_click_lookback_days') }} days before the first app_open of the
-- install; with no such click, `referral` when the user signed up with a referral code, else
-- `organic`. First touch: the earliest touch of the install in the
-- {{ var('multi_touch_lookback_days') }} days before that first app_open.
with users as (
    select * from {{ ref('stg_app__users') }}
),

installs as (
    select * from {{ ref('int_users__installs') }}
),

touches as (
    select * from {{ ref('int_marketing__touchpoints_classified') }}
),

install_touches as (
    select
        installs.user_id,
        touches.touch_id,
        touches.touch_type,
        touches.touched_at,
        touches.channel,
        touches.campaign_id,
        touches.touched_at >= installs.first_app_open_at
        - interval '{{ var("acquisition_click_lookback_days") }} days' as is_in_click_window
    from installs
    inner join touches
        on
            installs.anonymous_id = touches.anonymous_id
            and installs.first_app_open_at > touches.touched_at
            and touches.touched_at >= installs.first_app_open_at
            - interval '{{ var("multi_touch_lookback_days") }} days'
),

last_paid_clicks as (
    select
        user_id,
        channel,
        campaign_id,
        touched_at
    from install_touches
    where touch_type = 'click' and channel is not null and is_in_click_window
    qualify row_number() over (partition by user_id order by touched_at desc, touch_id desc) = 1
),

first_touches as (
    select
        user_id,
        channel,
        campaign_id,
        touched_at
    from install_touches
    qualify row_number() over (partition by user_id order by touched_at asc, touch_id asc) = 1
)

select
    users.user_id,
    installs.anonymous_id as install_anonymous_id,
    installs.first_app_open_at,
    case
        when last_paid_clicks.channel is not null then last_paid_clicks.channel
        when users.referral_code is not null then 'referral'
        else 'organic'
    end as acquisition_channel,
    last_paid_clicks.campaign_id as acquisition_campaign_id,
    last_paid_clicks.touched_at as acquisition_click_at,
    first_touches.channel as first_touch_channel,
    first_touches.campaign_id as first_touch_campaign_id,
    first_touches.touched_at as first_touch_at
from users
left join installs on users.user_id = installs.user_id
left join last_paid_clicks on users.user_id = last_paid_clicks.user_id
left join first_touches on users.user_id = first_touches.user_id
