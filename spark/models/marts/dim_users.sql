-- Spark port of models/marts/core/dim_users.sql, without the acquisition columns (their models,
-- int_users__acquisition and its journey/touchpoint chain, are not ported yet: spark/README.md).
with users as (
    select * from {{ ref('stg_app__users') }}
    where not is_test_account
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
    users.referral_code is not null as signed_up_with_referral_code,
    referrers.user_id as referred_by_user_id,
    users.email_domain,
    users.updated_at,
    users._first_batch_at as first_delivered_at
from users
left join referrers on users.referral_code = referrers.own_referral_code
