-- Acquisition economics per platform reporting day, channel and campaign (affiliate: partner id;
-- referral and organic: campaign_id '(none)'; a paid click without a campaign id: '(unknown)').
-- Users are credited by last touch: the channel and campaign of the last paid click in the
-- {{ var('acquisition_click_lookback_days') }} days before the install's first app_open (the
-- definition of dim_users.acquisition_channel), and counted on the day of their signup (installs:
-- of their first app_open) in the campaign's reporting time zone. Cohort measures (activation,
-- revenue, fraud) follow the users who signed up that day. Net of fraud = without the users
-- int_users__fraud_status flags as fraudulent. Money is rounded to decimal(18, 6) before any ratio
-- is taken, so every ratio is exactly its stored numerator over its stored denominator.
with spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
),

campaigns as (
    select
        channel,
        campaign_id,
        campaign_name,
        reporting_timezone
    from spend
    qualify row_number() over (
        partition by channel, campaign_id order by report_date desc, last_delivered_at desc
    ) = 1
),

users as (
    select * from {{ ref('int_users__acquisition_outcomes') }}
),

user_days as (
    select
        signup_report_date as report_date,
        acquisition_channel as channel,
        campaign_key as campaign_id,
        count(*) as signups,
        count(*) filter (where is_activated) as activated_users,
        count(*) filter (where is_fraud) as fraudulent_signups,
        count(*) filter (where not is_fraud) as signups_net_of_fraud,
        count(*) filter (where is_activated and not is_fraud) as activated_users_net_of_fraud,
        sum(revenue_d7_usd) as revenue_d7_usd,
        sum(revenue_d30_usd) as revenue_d30_usd,
        coalesce(sum(revenue_d7_usd) filter (where not is_fraud), 0) as revenue_d7_net_of_fraud_usd,
        coalesce(sum(revenue_d30_usd) filter (where not is_fraud), 0) as revenue_d30_net_of_fraud_usd
    from users
    group by all
),

installs as (
    select
        installs.anonymous_id,
        installs.install_channel as channel,
        case
            when installs.install_campaign_id is not null then installs.install_campaign_id
            when installs.install_channel in ('referral', 'organic') then '(none)'
            else '(unknown)'
        end as campaign_id,
        timezone(
            coalesce(timezones.reporting_timezone, 'UTC'), installs.installed_at::timestamptz
        )::date as report_date
    from {{ ref('int_installs__stitched') }} as installs
    left join {{ ref('int_marketing__campaign_reporting_timezones') }} as timezones
        on
            installs.install_channel = timezones.channel
            and installs.install_campaign_id = timezones.campaign_id
    where not installs.is_test_account and installs.installed_at is not null
),

install_days as (
    select
        report_date,
        channel,
        campaign_id,
        count(*) as installs
    from installs
    group by all
),

keys as (
    select
        report_date,
        channel,
        campaign_id
    from spend
    union
    select
        report_date,
        channel,
        campaign_id
    from user_days
    union
    select
        report_date,
        channel,
        campaign_id
    from install_days
),

data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

joined as (
    select
        keys.report_date,
        keys.channel,
        keys.campaign_id,
        campaigns.campaign_name,
        coalesce(campaigns.reporting_timezone, 'UTC') as reporting_timezone,
        keys.channel in ('paid_search', 'paid_social', 'affiliate') as is_paid_channel,
        coalesce(spend.spend_usd, 0)::decimal(18, 6) as spend_usd,
        case when keys.channel = 'affiliate' then spend.impressions else coalesce(spend.impressions, 0) end
            as impressions,
        coalesce(spend.clicks, 0) as clicks,
        coalesce(install_days.installs, 0) as installs,
        case when keys.channel = 'affiliate' then coalesce(spend.partner_reported_installs, 0) end
            as partner_reported_installs,
        coalesce(user_days.signups, 0) as signups,
        coalesce(user_days.activated_users, 0) as activated_users,
        coalesce(user_days.revenue_d7_usd, 0)::decimal(18, 6) as revenue_d7_usd,
        coalesce(user_days.revenue_d30_usd, 0)::decimal(18, 6) as revenue_d30_usd,
        coalesce(user_days.fraudulent_signups, 0) as fraudulent_signups,
        coalesce(user_days.signups_net_of_fraud, 0) as signups_net_of_fraud,
        coalesce(user_days.activated_users_net_of_fraud, 0) as activated_users_net_of_fraud,
        coalesce(user_days.revenue_d7_net_of_fraud_usd, 0)::decimal(18, 6) as revenue_d7_net_of_fraud_usd,
        coalesce(user_days.revenue_d30_net_of_fraud_usd, 0)::decimal(18, 6) as revenue_d30_net_of_fraud_usd,
        keys.report_date + 7 <= data_window.last_activity_date as is_d7_complete,
        keys.report_date + 30 <= data_window.last_activity_date as is_d30_complete
    from keys
    cross join data_window
    left join spend
        on
            keys.report_date = spend.report_date
            and keys.channel = spend.channel
            and keys.campaign_id = spend.campaign_id
    left join campaigns
        on keys.channel = campaigns.channel and keys.campaign_id = campaigns.campaign_id
    left join user_days
        on
            keys.report_date = user_days.report_date
            and keys.channel = user_days.channel
            and keys.campaign_id = user_days.campaign_id
    left join install_days
        on
            keys.report_date = install_days.report_date
            and keys.channel = install_days.channel
            and keys.campaign_id = install_days.campaign_id
)

select
    report_date::date as report_date,
    channel::varchar as channel,
    campaign_id::varchar as campaign_id,
    campaign_name::varchar as campaign_name,
    reporting_timezone::varchar as reporting_timezone,
    'last_touch'::varchar as attribution_model,
    {{ var('acquisition_click_lookback_days') }}::integer as attribution_lookback_days,
    is_paid_channel,
    spend_usd::decimal(18, 6) as spend_usd,
    impressions::bigint as impressions,
    clicks::bigint as clicks,
    (clicks / nullif(impressions, 0))::double as ctr,
    (spend_usd / nullif(clicks, 0))::double as cpc_usd,
    installs::bigint as installs,
    partner_reported_installs::bigint as partner_reported_installs,
    signups::bigint as signups,
    activated_users::bigint as activated_users,
    (case when is_paid_channel then spend_usd / nullif(signups, 0) end)::double as cost_per_signup_usd,
    (case when is_paid_channel then spend_usd / nullif(activated_users, 0) end)::double as cac_usd,
    revenue_d7_usd::decimal(18, 6) as revenue_d7_usd,
    revenue_d30_usd::decimal(18, 6) as revenue_d30_usd,
    (revenue_d7_usd / nullif(spend_usd, 0))::double as roas_d7,
    (revenue_d30_usd / nullif(spend_usd, 0))::double as roas_d30,
    is_d7_complete,
    is_d30_complete,
    fraudulent_signups::bigint as fraudulent_signups,
    (fraudulent_signups / nullif(signups, 0))::double as fraud_signup_share,
    signups_net_of_fraud::bigint as signups_net_of_fraud,
    activated_users_net_of_fraud::bigint as activated_users_net_of_fraud,
    (case when is_paid_channel then spend_usd / nullif(activated_users_net_of_fraud, 0) end)::double
        as cac_net_of_fraud_usd,
    revenue_d7_net_of_fraud_usd::decimal(18, 6) as revenue_d7_net_of_fraud_usd,
    revenue_d30_net_of_fraud_usd::decimal(18, 6) as revenue_d30_net_of_fraud_usd,
    (revenue_d7_net_of_fraud_usd / nullif(spend_usd, 0))::double as roas_d7_net_of_fraud,
    (revenue_d30_net_of_fraud_usd / nullif(spend_usd, 0))::double as roas_d30_net_of_fraud
from joined
