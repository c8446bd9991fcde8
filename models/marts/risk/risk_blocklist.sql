-- Devices, cards and payout accounts of confirmed fraudsters (a confirmed case or a fraudulent
-- chargeback), each from the moment it was confirmed: `blocked_from` is when both the label and the
-- fraudster's use of the entity had been delivered. History is kept - an entry never moves - so a
-- backtest sees the blocklist as it was. Victims who reported a takeover are not sources, and hub
-- identifiers (shared by many unrelated users) are never blocked.
with fraud_labels as (
    select
        user_id,
        min(known_at) as confirmed_known_at,
        arg_min(label_type, (known_at, label_type)) as first_label_type
    from {{ ref('risk_labels') }}
    where label_type in ('fraudulent_chargeback', 'confirmed_fraud_case')
    group by user_id
),

victims as (
    select distinct user_id from {{ ref('risk_labels') }}
    where label_type = 'account_takeover_report'
),

entities as (
    select
        links.identifier_type as entity_type,
        links.identifier as entity_value,
        links.user_id as confirmed_user_id,
        fraud_labels.first_label_type as confirmed_by,
        greatest(fraud_labels.confirmed_known_at, links.known_at) as blocked_from
    from {{ ref('int_risk__identity_links') }} as links
    inner join fraud_labels on links.user_id = fraud_labels.user_id
    -- an identifier only the fraudster used is not listed there (it links nobody), and is no hub
    left join {{ ref('int_risk__identifiers') }} as identifiers
        on links.identifier_type = identifiers.identifier_type and links.identifier = identifiers.identifier
    where
        links.identifier_type in ('device', 'card', 'payout_account')
        and not coalesce(identifiers.is_hub, false)
        and links.user_id not in (select victims.user_id from victims)
)

select
    md5(entity_type || ':' || entity_value) as blocklist_entry_id,
    entity_type,
    entity_value,
    min(blocked_from) as blocked_from,
    arg_min(confirmed_user_id, (blocked_from, confirmed_user_id)) as confirmed_user_id,
    arg_min(confirmed_by, (blocked_from, confirmed_user_id)) as confirmed_by
from entities
group by entity_type, entity_value
