-- The total view of acq_channel_daily: one row per reporting day over every channel. Blended CAC
-- divides all paid spend by all activated users (organic and referral included); paid CAC divides
-- it by the users of the paid channels only. Reporting days are the platforms' own (search: the
-- account's local day), as in acq_channel_daily.
with channel_daily as (
    select * from {{ ref('acq_channel_daily') }}
),

totals as (
    select
        report_date,
        sum(spend_usd) as spend_usd,
        sum(signups) as signups,
        sum(signups) filter (where is_paid_channel) as paid_signups,
        sum(activated_users) as activated_users,
        sum(activated_users) filter (where is_paid_channel) as paid_activated_users,
        sum(activated_users_net_of_fraud) as activated_users_net_of_fraud,
        sum(activated_users_net_of_fraud) filter (where is_paid_channel)
            as paid_activated_users_net_of_fraud,
        sum(fraudulent_signups) as fraudulent_signups,
        sum(revenue_d7_usd) as revenue_d7_usd,
        sum(revenue_d30_usd) as revenue_d30_usd,
        sum(revenue_d7_net_of_fraud_usd) as revenue_d7_net_of_fraud_usd,
        sum(revenue_d30_net_of_fraud_usd) as revenue_d30_net_of_fraud_usd,
        bool_and(is_d7_complete) as is_d7_complete,
        bool_and(is_d30_complete) as is_d30_complete
    from channel_daily
    group by report_date
)

select
    report_date::date as report_date,
    'last_touch'::varchar as attribution_model,
    {{ var('acquisition_click_lookback_days') }}::integer as attribution_lookback_days,
    spend_usd::decimal(18, 6) as spend_usd,
    signups::bigint as signups,
    coalesce(paid_signups, 0)::bigint as paid_signups,
    activated_users::bigint as activated_users,
    coalesce(paid_activated_users, 0)::bigint as paid_activated_users,
    (spend_usd / nullif(activated_users, 0))::double as blended_cac_usd,
    (spend_usd / nullif(paid_activated_users, 0))::double as paid_cac_usd,
    activated_users_net_of_fraud::bigint as activated_users_net_of_fraud,
    coalesce(paid_activated_users_net_of_fraud, 0)::bigint as paid_activated_users_net_of_fraud,
    (spend_usd / nullif(activated_users_net_of_fraud, 0))::double as blended_cac_net_of_fraud_usd,
    (spend_usd / nullif(paid_activated_users_net_of_fraud, 0))::double as paid_cac_net_of_fraud_usd,
    fraudulent_signups::bigint as fraudulent_signups,
    (fraudulent_signups / nullif(signups, 0))::double as fraud_signup_share,
    revenue_d7_usd::decimal(18, 6) as revenue_d7_usd,
    revenue_d30_usd::decimal(18, 6) as revenue_d30_usd,
    revenue_d7_net_of_fraud_usd::decimal(18, 6) as revenue_d7_net_of_fraud_usd,
    revenue_d30_net_of_fraud_usd::decimal(18, 6) as revenue_d30_net_of_fraud_usd,
    (revenue_d7_usd / nullif(spend_usd, 0))::double as blended_roas_d7,
    (revenue_d30_usd / nullif(spend_usd, 0))::double as blended_roas_d30,
    (revenue_d30_net_of_fraud_usd / nullif(spend_usd, 0))::double as blended_roas_d30_net_of_fraud,
    is_d7_complete,
    is_d30_complete
from totals
