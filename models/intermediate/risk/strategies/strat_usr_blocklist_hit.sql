-- Blocklist hit: a user linked to a blocklisted device, card or payout account, counted only from
-- the moment the entry was confirmed (a scan never uses a confirmation it could not have known).
with blocklist as (
    select * from {{ ref('risk_blocklist') }}
),

hits as (
    select
        links.user_id,
        min(greatest(blocklist.blocked_from, links.known_at)) as condition_met_at,
        count(distinct blocklist.blocklist_entry_id) as entries_hit,
        list_sort(list_distinct(list(blocklist.entity_type))) as entity_types
    from {{ ref('int_risk__identity_links') }} as links
    inner join blocklist
        on links.identifier_type = blocklist.entity_type and links.identifier = blocklist.entity_value
    where links.user_id <> blocklist.confirmed_user_id
    group by links.user_id
)

select
    'usr_blocklist_hit' as strategy_id,
    'user' as entity_type,
    user_id as entity_id,
    condition_met_at,
    least(100.0, 60 + 10.0 * entries_hit) as score,
    cast(null as decimal(18, 6)) as money_at_risk_usd,
    'uses '
    || entries_hit
    || ' blocklisted '
    || array_to_string(entity_types, '/')
    || ' of confirmed fraudsters' as reason
from hits
