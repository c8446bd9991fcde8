{%- set daily = "'T+1'" -%}
-- The identity graph as the risk model's daily scans saw it: every link between a real user and an
-- identifier the link features use, with the scan from which it is visible (its delivery and first
-- use both past) and the scan from which its identifier is a hub (null if never). An identifier
-- stops linking people from the scan at which, on what was delivered by then, it is a hub (the rule
-- of int_risk__identifiers: more than var identity_hub_min_users users joining over more than var
-- identity_coordinated_span_days days, or more than var identity_hub_max_users).
-- Its own model so that int_risk_model__feature_history, which rebuilds only the users new
-- deliveries reach, can compare the graph it last read with this one.
with users as (
    select user_id from {{ ref('stg_app__users') }}
    where not is_test_account
),

links as (
    select
        links.user_id,
        links.identifier_type,
        links.identifier,
        links.first_seen_at,
        case
            when links.identifier_type in ('device', 'card', 'payout_account', 'install') then 'strong'
            when links.identifier_type in ('ip', 'ip_block_24') then 'ip'
            else 'referral'
        end as link_class,
        {{ next_scan_at('greatest(links.known_at, links.first_seen_at)', daily) }} as visible_from
    from {{ ref('int_risk__identity_links') }} as links
    inner join users on links.user_id = users.user_id
    where links.identifier_type in ('device', 'card', 'payout_account', 'install', 'ip', 'ip_block_24', 'referral_code')
),

-- only an identifier with more links than the smaller hub threshold can become a hub: the
-- running counts below are taken for those alone (the window over every link took twice as long)
crowded_identifiers as (
    select
        identifier_type,
        identifier
    from links
    group by identifier_type, identifier
    having count(*) > least({{ var('identity_hub_min_users') }}, {{ var('identity_hub_max_users') }})
),

identifier_growth as (
    select
        links.identifier_type,
        links.identifier,
        links.visible_from,
        count(*) over so_far as linked_users,
        date_diff('hour', min(links.first_seen_at) over so_far, max(links.first_seen_at) over so_far) / 24.0
            as join_span_days
    from links
    semi join crowded_identifiers
        on
            links.identifier_type = crowded_identifiers.identifier_type
            and links.identifier = crowded_identifiers.identifier
    window so_far as (
        partition by links.identifier_type, links.identifier order by links.visible_from
        range between unbounded preceding and current row
    )
),

hub_from as (
    select
        identifier_type,
        identifier,
        min(visible_from) as hub_from
    from identifier_growth
    where
        linked_users > {{ var('identity_hub_max_users') }}
        or (
            linked_users > {{ var('identity_hub_min_users') }}
            and join_span_days > {{ var('identity_coordinated_span_days') }}
        )
    group by identifier_type, identifier
)

select
    links.user_id,
    links.identifier_type,
    links.identifier,
    links.link_class,
    links.first_seen_at,
    links.visible_from,
    hub_from.hub_from
from links
left join hub_from
    on links.identifier_type = hub_from.identifier_type and links.identifier = hub_from.identifier
