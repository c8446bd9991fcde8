-- One row per real user: how the user was acquired (last-click channel and campaign, the
-- definition of dim_users), the day the user counts on in campaign reporting, what the user went on
-- to do, the fee revenue the user brought in the first 7 and 30 days, and whether the user turned
-- out fraudulent (int_users__fraud_status.is_fraud, the one definition of fraud).
-- Campaign reporting day: the signup's day in the campaign's reporting time zone (a search
-- account's own zone; UTC for social, affiliate, referral and organic), so that a campaign's
-- signups and its spend fall on the same platform day.
-- Revenue by day offset: day 0 is the UTC day of signup; revenue_d7_usd covers days 0-7 and
-- revenue_d30_usd days 0-30, and is complete once that day is on or before the last day of data.
with users as (
    select
        user_id,
        created_at
    from {{ ref('stg_app__users') }}
    where not is_test_account
),

acquisitions as (
    select * from {{ ref('int_users__acquisition') }}
),

timezones as (
    select * from {{ ref('int_marketing__campaign_reporting_timezones') }}
),

conversions as (
    select
        user_id,
        min(converted_at) filter (where conversion_type = 'install') as installed_at,
        min(converted_at) filter (where conversion_type = 'activation') as activated_at,
        min(converted_at) filter (where conversion_type = 'first_trade') as first_trade_at
    from {{ ref('int_users__conversions') }}
    group by user_id
),

revenue as (
    select
        activity.user_id,
        sum(activity.revenue_usd) filter (
            where activity.activity_date - users.created_at::date between 0 and 7
        ) as revenue_d7_usd,
        sum(activity.revenue_usd) filter (
            where activity.activity_date - users.created_at::date between 0 and 30
        ) as revenue_d30_usd,
        sum(activity.revenue_usd) as revenue_to_date_usd
    from {{ ref('int_users__activity_daily') }} as activity
    inner join users on activity.user_id = users.user_id
    group by activity.user_id
),

fraud as (
    select
        user_id,
        is_fraud
    from {{ ref('int_users__fraud_status') }}
),

data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

joined as (
    select
        users.user_id,
        users.created_at as signup_at,
        acquisitions.acquisition_channel,
        acquisitions.acquisition_campaign_id,
        case
            when acquisitions.acquisition_campaign_id is not null
                then acquisitions.acquisition_campaign_id
            when acquisitions.acquisition_channel in ('referral', 'organic') then '(none)'
            else '(unknown)'
        end as campaign_key,
        coalesce(timezones.reporting_timezone, 'UTC') as reporting_timezone,
        conversions.installed_at,
        conversions.activated_at,
        conversions.first_trade_at,
        coalesce(fraud.is_fraud, false) as is_fraud,
        coalesce(revenue.revenue_d7_usd, 0) as revenue_d7_usd,
        coalesce(revenue.revenue_d30_usd, 0) as revenue_d30_usd,
        coalesce(revenue.revenue_to_date_usd, 0) as revenue_to_date_usd,
        users.created_at::date + 7 <= data_window.last_activity_date as is_d7_complete,
        users.created_at::date + 30 <= data_window.last_activity_date as is_d30_complete
    from users
    cross join data_window
    left join acquisitions on users.user_id = acquisitions.user_id
    left join timezones
        on
            acquisitions.acquisition_channel = timezones.channel
            and acquisitions.acquisition_campaign_id = timezones.campaign_id
    left join conversions on users.user_id = conversions.user_id
    left join revenue on users.user_id = revenue.user_id
    left join fraud on users.user_id = fraud.user_id
)

select
    user_id,
    signup_at,
    signup_at::date as signup_date,
    timezone(reporting_timezone, signup_at::timestamptz)::date as signup_report_date,
    installed_at,
    timezone(reporting_timezone, installed_at::timestamptz)::date as install_report_date,
    acquisition_channel,
    acquisition_campaign_id,
    campaign_key,
    reporting_timezone,
    activated_at,
    first_trade_at,
    activated_at is not null as is_activated,
    is_fraud,
    revenue_d7_usd,
    revenue_d30_usd,
    revenue_to_date_usd,
    is_d7_complete,
    is_d30_complete
from joined
