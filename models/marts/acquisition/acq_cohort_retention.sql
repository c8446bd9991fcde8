-- Signup cohorts (ISO week of the UTC signup day) per acquisition channel (last touch, 7-day click
-- window) and day offset since signup (day 0 = the signup day, UTC). A user counts at an offset
-- once that day is on or before the last day of data ("observed").
-- Active: the user did something that day (an app event of var active_event_types, a trade or a
-- payment attempt; see int_users__activity_daily). Retained at day N: active on day N exactly.
-- Revenue: the user's fee revenue (half the fee of each trade the user was part of), cumulated over
-- days 0..N: the LTV curve. Payback: the first offset at which cumulative revenue per observed user
-- reaches the cohort's acquisition cost per user (the channel's spend on the reporting days of the
-- cohort week, divided by the cohort's signups); net of fraud, fraudulent users bring neither
-- revenue nor count as acquired users.
with users as (
    select
        user_id,
        signup_date,
        date_trunc('week', signup_date)::date as cohort_week,
        acquisition_channel,
        is_fraud
    from {{ ref('int_users__acquisition_outcomes') }}
),

data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

offsets as (
    select offset_days.day_offset::integer as day_offset
    from range(0, {{ var('cohort_max_day_offset') }} + 1) as offset_days (day_offset)
),

-- users who signed up on the same day share the offsets at which they are observed, so the curves
-- are summed per signup day and offset instead of per user and offset
signup_days as (
    select
        cohort_week,
        acquisition_channel,
        signup_date,
        count(*) as signups,
        count(*) filter (where not is_fraud) as signups_net_of_fraud
    from users
    group by all
),

signup_day_activity as (
    select
        users.cohort_week,
        users.acquisition_channel,
        users.signup_date,
        activity.activity_date - users.signup_date as day_offset,
        count(*) as active_users,
        count(*) filter (where not users.is_fraud) as active_users_net_of_fraud,
        sum(activity.revenue_usd) as revenue_usd,
        sum(activity.revenue_usd) filter (where not users.is_fraud) as revenue_net_of_fraud_usd
    from {{ ref('int_users__activity_daily') }} as activity
    inner join users on activity.user_id = users.user_id
    where activity.activity_date >= users.signup_date
    group by all
),

signup_day_curves as (
    select
        signup_days.cohort_week,
        signup_days.acquisition_channel,
        offsets.day_offset,
        signup_days.signups,
        signup_days.signups_net_of_fraud,
        coalesce(signup_day_activity.active_users, 0) as active_users,
        coalesce(signup_day_activity.active_users_net_of_fraud, 0) as active_users_net_of_fraud,
        sum(coalesce(signup_day_activity.revenue_usd, 0)) over days_since_signup as cumulative_revenue_usd,
        sum(coalesce(signup_day_activity.revenue_net_of_fraud_usd, 0)) over days_since_signup
            as cumulative_revenue_net_of_fraud_usd
    from signup_days
    cross join data_window
    inner join offsets on signup_days.signup_date + offsets.day_offset <= data_window.last_activity_date
    left join signup_day_activity
        on
            signup_days.signup_date = signup_day_activity.signup_date
            and signup_days.cohort_week = signup_day_activity.cohort_week
            and signup_days.acquisition_channel is not distinct from signup_day_activity.acquisition_channel
            and offsets.day_offset = signup_day_activity.day_offset
    window days_since_signup as (
        partition by signup_days.cohort_week, signup_days.acquisition_channel, signup_days.signup_date
        order by offsets.day_offset
    )
),

cohorts as (
    select
        cohort_week,
        acquisition_channel,
        count(*) as cohort_size,
        count(*) filter (where not is_fraud) as cohort_size_net_of_fraud
    from users
    group by all
),

cohort_spend as (
    select
        date_trunc('week', report_date)::date as cohort_week,
        channel as acquisition_channel,
        sum(spend_usd) as cohort_spend_usd
    from {{ ref('fct_ad_spend_daily') }}
    group by all
),

curves as (
    select
        cohort_week,
        acquisition_channel,
        day_offset,
        sum(signups) as users_observed,
        sum(active_users) as active_users,
        sum(cumulative_revenue_usd)::decimal(18, 6) as cumulative_revenue_usd,
        sum(signups_net_of_fraud) as users_observed_net_of_fraud,
        sum(active_users_net_of_fraud) as active_users_net_of_fraud,
        sum(cumulative_revenue_net_of_fraud_usd)::decimal(18, 6) as cumulative_revenue_net_of_fraud_usd
    from signup_day_curves
    group by all
),

measured as (
    select
        curves.*,
        cohorts.cohort_size,
        cohorts.cohort_size_net_of_fraud,
        coalesce(cohort_spend.cohort_spend_usd, 0) as cohort_spend_usd,
        curves.cumulative_revenue_usd / curves.users_observed as cumulative_revenue_per_user_usd,
        curves.cumulative_revenue_net_of_fraud_usd
        / nullif(curves.users_observed_net_of_fraud, 0) as cumulative_revenue_per_user_net_of_fraud_usd,
        coalesce(cohort_spend.cohort_spend_usd, 0) / cohorts.cohort_size as cost_per_user_usd,
        coalesce(cohort_spend.cohort_spend_usd, 0)
        / nullif(cohorts.cohort_size_net_of_fraud, 0) as cost_per_user_net_of_fraud_usd
    from curves
    inner join cohorts
        on curves.cohort_week = cohorts.cohort_week and curves.acquisition_channel = cohorts.acquisition_channel
    left join cohort_spend
        on
            curves.cohort_week = cohort_spend.cohort_week
            and curves.acquisition_channel = cohort_spend.acquisition_channel
),

paid_back as (
    select
        *,
        cost_per_user_usd > 0
        and cumulative_revenue_per_user_usd >= cost_per_user_usd as is_paid_back,
        cost_per_user_net_of_fraud_usd > 0
        and cumulative_revenue_per_user_net_of_fraud_usd >= cost_per_user_net_of_fraud_usd
            as is_paid_back_net_of_fraud
    from measured
)

select
    cohort_week::date as cohort_week,
    acquisition_channel::varchar as acquisition_channel,
    day_offset::integer as day_offset,
    'last_touch'::varchar as attribution_model,
    {{ var('acquisition_click_lookback_days') }}::integer as attribution_lookback_days,
    cohort_size::bigint as cohort_size,
    users_observed::bigint as users_observed,
    active_users::bigint as active_users,
    (active_users / users_observed)::double as retention_rate,
    cumulative_revenue_usd::decimal(18, 6) as cumulative_revenue_usd,
    cumulative_revenue_per_user_usd::double as cumulative_revenue_per_user_usd,
    cohort_spend_usd::decimal(18, 6) as cohort_spend_usd,
    cost_per_user_usd::double as cost_per_user_usd,
    is_paid_back,
    min(day_offset) filter (where is_paid_back) over (
        partition by cohort_week, acquisition_channel
    )::integer as payback_day,
    cohort_size_net_of_fraud::bigint as cohort_size_net_of_fraud,
    users_observed_net_of_fraud::bigint as users_observed_net_of_fraud,
    active_users_net_of_fraud::bigint as active_users_net_of_fraud,
    (active_users_net_of_fraud / nullif(users_observed_net_of_fraud, 0))::double
        as retention_rate_net_of_fraud,
    cumulative_revenue_net_of_fraud_usd::decimal(18, 6) as cumulative_revenue_net_of_fraud_usd,
    cumulative_revenue_per_user_net_of_fraud_usd::double as cumulative_revenue_per_user_net_of_fraud_usd,
    cost_per_user_net_of_fraud_usd::double as cost_per_user_net_of_fraud_usd,
    is_paid_back_net_of_fraud,
    min(day_offset) filter (where is_paid_back_net_of_fraud) over (
        partition by cohort_week, acquisition_channel
    )::integer as payback_day_net_of_fraud
from paid_back
