{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(identity_link_users_to_rebuild()) }}",
            "{{ delete_keys_to_rebuild(['user_id']) }}",
        ],
        post_hook="{{ remember_deliveries_read(identity_link_inputs()) }}"
    )
}}
{%- set changed_users_only = rebuilds_changed_keys_only() -%}
-- Every link between a real user and an identifier that another user could share: devices and
-- IPs (signup, logins and other events), /24 IP blocks, install ids, card fingerprints, payout
-- accounts, pseudonymised email and phone, referral codes (a user's own code and the code they
-- signed up with), and concentrated trading: a buyer who spends at least half of their purchases
-- (and at least two trades) with one seller is linked to that seller, as is the seller itself.
-- One row per user and identifier, with when it was first and last seen and when the warehouse
-- first knew of it (`known_at`, the delivery time), for point-in-time use.
-- Incremental by user: a run rebuilds every row of the users that new deliveries can reach
-- (macros/incremental/keys_to_rebuild.sql) and keeps the others.
with users as (
    select * from {{ ref('stg_app__users') }}
    where not is_test_account
),

rebuilt_users as (
    select users.*
    from users
    {%- if changed_users_only %}
    inner join {{ keys_to_rebuild() }} as keys_to_rebuild on users.user_id = keys_to_rebuild.user_id
    {%- endif %}
),

events as (
    select events.*
    from {{ ref('stg_events__app_events') }} as events
    inner join rebuilt_users on events.user_id = rebuilt_users.user_id
),

observed_links as (
    select
        user_id,
        'device' as identifier_type,
        signup_device_id as identifier,
        created_at as seen_at,
        _first_batch_at as known_at
    from rebuilt_users
    union all
    select
        user_id,
        'ip' as identifier_type,
        signup_ip,
        created_at,
        _first_batch_at
    from rebuilt_users
    union all
    select
        user_id,
        'email' as identifier_type,
        email_hash,
        created_at,
        _first_batch_at
    from rebuilt_users
    union all
    select
        user_id,
        'phone' as identifier_type,
        phone_hash,
        created_at,
        _first_batch_at
    from rebuilt_users
    union all
    select
        user_id,
        'referral_code' as identifier_type,
        own_referral_code,
        created_at,
        _first_batch_at
    from rebuilt_users
    union all
    select
        user_id,
        'referral_code' as identifier_type,
        referral_code,
        created_at,
        _first_batch_at
    from rebuilt_users
    union all
    select
        user_id,
        'device' as identifier_type,
        device_id,
        occurred_at,
        _batch_at
    from events
    union all
    select
        user_id,
        'ip' as identifier_type,
        ip,
        occurred_at,
        _batch_at
    from events
    union all
    select
        user_id,
        'install' as identifier_type,
        anonymous_id,
        occurred_at,
        _batch_at
    from events
    union all
    select
        attempts.user_id,
        'card' as identifier_type,
        attempts.card_fingerprint,
        attempts.created_at,
        attempts._batch_at
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    inner join rebuilt_users on attempts.user_id = rebuilt_users.user_id
    union all
    select
        payouts.user_id,
        'payout_account' as identifier_type,
        payouts.payout_account_hash,
        payouts.requested_at,
        payouts._first_batch_at
    from {{ ref('stg_payments__payouts') }} as payouts
    inner join rebuilt_users on payouts.user_id = rebuilt_users.user_id
),

-- the trading pairs of the users rebuilt (both sides), with every purchase of their buyers
edges as (
    select * from {{ ref('int_risk__trade_edges') }}
    {%- if changed_users_only %}
    where
        buyer_id in (select rebuilt_users.user_id from rebuilt_users)
        or seller_id in (select rebuilt_users.user_id from rebuilt_users)
    {%- endif %}
),

buyer_totals as (
    select
        buyer_id,
        sum(gross_usd) as bought_usd
    from {{ ref('int_risk__trade_edges') }}
    {%- if changed_users_only %}
    where buyer_id in (select edges.buyer_id from edges)
    {%- endif %}
    group by buyer_id
),

concentrated_trades as (
    select
        edges.buyer_id,
        edges.seller_id,
        edges.first_trade_at,
        edges.known_at
    from edges
    inner join buyer_totals on edges.buyer_id = buyer_totals.buyer_id
    inner join users as buyers on edges.buyer_id = buyers.user_id
    inner join users as sellers on edges.seller_id = sellers.user_id
    where edges.trades >= 2 and edges.gross_usd >= 0.5 * buyer_totals.bought_usd
),

trade_links as (
    select
        buyer_id as user_id,
        'trade_counterparty' as identifier_type,
        seller_id as identifier,
        first_trade_at as seen_at,
        known_at
    from concentrated_trades
    union all
    select
        seller_id as user_id,
        'trade_counterparty' as identifier_type,
        seller_id as identifier,
        first_trade_at,
        known_at
    from concentrated_trades
),

direct_links as (
    select
        user_id,
        identifier_type,
        identifier,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        min(known_at) as known_at,
        count(*) as observations
    from (
        select * from trade_links
        {%- if changed_users_only %}
        where user_id in (select rebuilt_users.user_id from rebuilt_users)
        {%- endif %}
        union all
        select * from observed_links
    ) as all_links
    where identifier is not null
    group by user_id, identifier_type, identifier
),

-- a /24 block from each distinct IPv4 of a user (cheaper than per observation, same figures)
ip_block_links as (
    select
        user_id,
        'ip_block_24' as identifier_type,
        regexp_extract(identifier, '^([0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+$', 1) || '.0/24' as identifier,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        min(known_at) as known_at,
        sum(observations)::bigint as observations
    from direct_links
    where identifier_type = 'ip' and regexp_matches(identifier, '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$')
    group by all
)

select * from direct_links
union all
select * from ip_block_links
