-- Every link between a real user and an identifier that another user could share: devices and
-- IPs (signup, logins and other events), /24 IP blocks, install ids, card fingerprints, payout
-- accounts, pseudonymised email and phone, referral codes (a user's own code and the code they
-- signed up with). One row per user and identifier, with when it was first and last seen and
-- when the warehouse first knew of it (`known_at`, the delivery time), for point-in-time use.
with users as (
    select * from {{ ref('stg_app__users') }}
    where not is_test_account
),

events as (
    select
        events.*
    from {{ ref('stg_events__app_events') }} as events
    inner join users on events.user_id = users.user_id
),

observed_links as (
    select user_id, 'device' as identifier_type, signup_device_id as identifier,
        created_at as seen_at, _first_batch_at as known_at
    from users
    union all
    select user_id, 'ip', signup_ip, created_at, _first_batch_at from users
    union all
    select user_id, 'email', email_hash, created_at, _first_batch_at from users
    union all
    select user_id, 'phone', phone_hash, created_at, _first_batch_at from users
    union all
    select user_id, 'referral_code', own_referral_code, created_at, _first_batch_at from users
    union all
    select user_id, 'referral_code', referral_code, created_at, _first_batch_at from users
    union all
    select user_id, 'device', device_id, occurred_at, _batch_at from events
    union all
    select user_id, 'ip', ip, occurred_at, _batch_at from events
    union all
    select user_id, 'install', anonymous_id, occurred_at, _batch_at from events
    union all
    select attempts.user_id, 'card', attempts.card_fingerprint, attempts.created_at, attempts._batch_at
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    inner join users on attempts.user_id = users.user_id
    union all
    select payouts.user_id, 'payout_account', payouts.payout_account_hash, payouts.requested_at, payouts._first_batch_at
    from {{ ref('stg_payments__payouts') }} as payouts
    inner join users on payouts.user_id = users.user_id
),

with_ip_blocks as (
    select * from observed_links
    union all
    select
        user_id,
        'ip_block_24' as identifier_type,
        regexp_extract(identifier, '^([0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+$', 1) || '.0/24' as identifier,
        seen_at,
        known_at
    from observed_links
    where identifier_type = 'ip' and regexp_matches(identifier, '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$')
)

select
    user_id,
    identifier_type,
    identifier,
    min(seen_at) as first_seen_at,
    max(seen_at) as last_seen_at,
    min(known_at) as known_at,
    count(*) as observations
from with_ip_blocks
where identifier is not null
group by user_id, identifier_type, identifier
