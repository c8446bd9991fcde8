-- One row per install (an anonymous_id seen on any app event), stitched to the user it belongs to.
-- The user is the one whose signup event carries the install (earliest such signup), else the
-- first user_id seen on any event of the install (a returning user's reinstall). An install is
-- credited to the channel of its last paid click in the {{ var('acquisition_click_lookback_days') }}
-- days before its first app_open; a user's own acquisition install takes the user's acquisition
-- channel (int_users__acquisition), so installs and signups agree for the same person.
with events as (
    select * from {{ ref('stg_events__app_events') }}
    where anonymous_id is not null
),

-- the first identified user is an aggregate here, not a window: ranking every identified event
-- of an install took 9 of the model's 16 thread-seconds at 500k users (now 3.6 s in all)
installs as (
    select
        anonymous_id,
        min(occurred_at) filter (where event_type = 'app_open') as first_app_open_at,
        min(occurred_at) as first_event_at,
        arg_min(user_id, (occurred_at, event_id)) filter (where user_id is not null) as first_identified_user_id
    from events
    group by anonymous_id
),

signup_installs as (
    select
        anonymous_id,
        user_id
    from {{ ref('int_users__installs') }}
    qualify row_number() over (partition by anonymous_id order by signup_event_at, user_id) = 1
),

stitched as (
    select
        installs.anonymous_id,
        installs.first_app_open_at,
        installs.first_event_at,
        coalesce(installs.first_app_open_at, installs.first_event_at) as installed_at,
        coalesce(signup_installs.user_id, installs.first_identified_user_id) as user_id,
        -- the user whose acquisition this install is, for an equi-join (a condition on one side
        -- of a left join's ON clause makes DuckDB fall back to a nested-loop join)
        signup_installs.user_id as signup_user_id,
        case
            when signup_installs.user_id is not null then 'signup'
            when installs.first_identified_user_id is not null then 'returning_user'
            else 'anonymous'
        end as install_kind
    from installs
    left join signup_installs on installs.anonymous_id = signup_installs.anonymous_id
),

last_paid_clicks as (
    select
        stitched.anonymous_id,
        touches.channel,
        touches.campaign_id,
        touches.touched_at
    from stitched
    inner join {{ ref('int_marketing__touchpoints_classified') }} as touches
        on
            stitched.anonymous_id = touches.anonymous_id
            and touches.touch_type = 'click'
            and touches.channel is not null
            and stitched.installed_at > touches.touched_at
            and touches.touched_at >= stitched.installed_at
            - interval '{{ var("acquisition_click_lookback_days") }} days'
    qualify row_number() over (
        partition by stitched.anonymous_id order by touches.touched_at desc, touches.touch_id desc
    ) = 1
),

acquisitions as (
    select * from {{ ref('int_users__acquisition') }}
),

users as (
    select
        user_id,
        is_test_account
    from {{ ref('stg_app__users') }}
)

select
    stitched.anonymous_id,
    stitched.user_id,
    stitched.install_kind,
    coalesce(users.is_test_account, false) as is_test_account,
    stitched.installed_at,
    stitched.first_app_open_at,
    stitched.first_event_at,
    case
        when acquisitions.user_id is not null then acquisitions.acquisition_channel
        when last_paid_clicks.channel is not null then last_paid_clicks.channel
        else 'organic'
    end as install_channel,
    case
        when acquisitions.user_id is not null then acquisitions.acquisition_campaign_id
        else last_paid_clicks.campaign_id
    end as install_campaign_id,
    case
        when acquisitions.user_id is not null then acquisitions.acquisition_click_at
        else last_paid_clicks.touched_at
    end as install_click_at
from stitched
left join users on stitched.user_id = users.user_id
left join acquisitions
    on
        stitched.signup_user_id = acquisitions.user_id
        and stitched.anonymous_id = acquisitions.install_anonymous_id
left join last_paid_clicks on stitched.anonymous_id = last_paid_clicks.anonymous_id
