-- One row per real user in their current state. Internal test accounts (@qa.internal) are left
-- out, as they must be from every business figure; they stay visible in stg_app__users.
with users as (
    select * from {{ ref('stg_app__users') }}
    where not is_test_account
),

acquisition as (
    select * from {{ ref('int_users__acquisition') }}
),

referrers as (
    select
        own_referral_code,
        min(user_id) as user_id
    from {{ ref('stg_app__users') }}
    where own_referral_code is not null
    group by own_referral_code
)

select
    users.user_id,
    users.created_at as signup_at,
    users.country_code,
    users.status,
    users.kyc_level,
    users.is_test_account,
    acquisition.acquisition_channel,
    acquisition.acquisition_campaign_id,
    acquisition.acquisition_click_at,
    acquisition.first_touch_channel,
    acquisition.first_touch_campaign_id,
    acquisition.first_touch_at,
    acquisition.install_anonymous_id,
    acquisition.first_app_open_at,
    users.referral_code is not null as signed_up_with_referral_code,
    referrers.user_id as referred_by_user_id,
    users.email_domain,
    users.updated_at,
    users._first_batch_at as first_delivered_at
from users
left join acquisition on users.user_id = acquisition.user_id
left join referrers on users.referral_code = referrers.own_referral_code
