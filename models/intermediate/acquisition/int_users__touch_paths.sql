-- Each user's journey: the touches (impressions and clicks) of the user's acquisition install in the
-- {{ var('multi_touch_lookback_days') }} days before its first app_open, in order. Touches whose
-- channel nobody can place are kept (channel null) so the path is complete; attribution skips them.
with acquisitions as (
    select
        user_id,
        install_anonymous_id,
        first_app_open_at
    from {{ ref('int_users__acquisition') }}
    where install_anonymous_id is not null and first_app_open_at is not null
),

touches as (
    select * from {{ ref('int_marketing__touchpoints_classified') }}
),

path_touches as (
    select
        acquisitions.user_id,
        acquisitions.install_anonymous_id,
        acquisitions.first_app_open_at as installed_at,
        touches.touch_id,
        touches.touch_type,
        touches.touched_at,
        touches.channel,
        touches.channel_evidence,
        touches.campaign_id,
        touches.utm_source
    from acquisitions
    inner join touches
        on
            acquisitions.install_anonymous_id = touches.anonymous_id
            and acquisitions.first_app_open_at > touches.touched_at
            and touches.touched_at >= acquisitions.first_app_open_at
            - interval '{{ var("multi_touch_lookback_days") }} days'
)

select
    user_id,
    touch_id,
    row_number() over (partition by user_id order by touched_at, touch_id) as touch_number,
    count(*) over (partition by user_id) as path_length,
    install_anonymous_id,
    installed_at,
    touch_type,
    touched_at,
    channel,
    channel_evidence,
    campaign_id,
    utm_source,
    date_diff('second', touched_at, installed_at) / 86400.0 as days_before_install,
    touch_type = 'click'
    and touched_at >= installed_at - interval '{{ var("acquisition_click_lookback_days") }} days'
        as is_in_click_window
from path_touches
