-- The identity graph the groups are cut from: user-identifier edges for identifiers that link at
-- least two users and are not hubs (see int_risk__identifiers). Referral codes and contact
-- details do not cut groups: an honest referrer's friends, or two namesakes' addresses, would glue
-- strangers to a ring (they stay evidence in the features and group scores). `is_strong` marks
-- identifiers that only a person or a crew holds (device, card, payout account, install, trading
-- counterparty); IPs and /24 blocks are weak and are dropped when a large component must be split.
select
    links.user_id,
    identifiers.identifier_key,
    links.identifier_type,
    links.identifier_type not in ('ip', 'ip_block_24') as is_strong,
    links.first_seen_at,
    links.known_at
from {{ ref('int_risk__identity_links') }} as links
inner join {{ ref('int_risk__identifiers') }} as identifiers
    on
        links.identifier_type = identifiers.identifier_type
        and links.identifier = identifiers.identifier
where
    identifiers.linked_users >= 2
    and not identifiers.is_hub
    and links.identifier_type not in ('referral_code', 'email', 'phone')
