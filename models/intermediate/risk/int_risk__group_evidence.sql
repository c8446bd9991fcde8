-- The evidence that organised fraud leaves, measured on every connected component of two or more
-- users: what its members share, how they signed up, where bonuses and money went, whether they
-- trade in loops, and whether members show card-testing, account-takeover or mule behaviour.
-- A group's id is its anchor's: the member known to the warehouse first, so a ring keeps its id
-- as new members join.
with components as (
    select * from {{ ref('int_risk__user_components') }}
),

signals as (
    select * from {{ ref('int_risk__user_signals') }}
),

users as (
    select * from {{ ref('stg_app__users') }}
),

acquisition as (
    select * from {{ ref('int_users__acquisition') }}
),

members as (
    select
        components.component_id,
        components.user_id,
        users._first_batch_at as user_known_at,
        signals.signup_at,
        signals.bonus_redemptions,
        signals.bonus_usd,
        signals.max_attempts_in_hour >= {{ var('card_testing_attempts_per_hour') }} as is_card_tester,
        (
            signals.max_failed_logins_in_hour >= {{ var('ato_failed_logins_per_hour') }}
            and signals.password_resets >= 1
        )
        or (signals.logins_from_other_country >= 1 and signals.payout_methods_added >= 1) as shows_takeover,
        signals.distinct_risky_buyers >= 2 and signals.payouts >= 1 as shows_mule_cashout,
        signals.suspicious_declines,
        acquisition.acquisition_channel,
        acquisition.acquisition_campaign_id,
        users.referral_code,
        users.own_referral_code
    from components
    inner join signals on components.user_id = signals.user_id
    inner join users on components.user_id = users.user_id
    left join acquisition on components.user_id = acquisition.user_id
),

sized as (
    select
        *,
        count(*) over (partition by component_id) as member_count,
        count(*) over (
            partition by component_id order by signup_at
            range between interval 48 hours preceding and current row
        ) as signups_within_48h
    from members
),

-- the channel and the campaign most members came from; a tie goes to the first in sort order, so
-- the group's evidence does not depend on the order DuckDB's threads read the members in
dominant_acquisition as (
    select
        component_id,
        arg_min(acquisition_channel, (-channel_members, acquisition_channel)) as dominant_channel,
        max(channel_members) as dominant_channel_members,
        arg_min(acquisition_campaign_id, (-campaign_members, acquisition_campaign_id)) as dominant_campaign_id
    from (
        select
            component_id,
            acquisition_channel,
            acquisition_campaign_id,
            count(acquisition_channel) over (partition by component_id, acquisition_channel) as channel_members,
            count(acquisition_campaign_id) over (
                partition by component_id, acquisition_campaign_id
            ) as campaign_members
        from members
    ) as member_acquisition
    group by component_id
),

groups as (
    select
        sized.component_id,
        min(sized.member_count) as member_count,
        arg_min(sized.user_id, (sized.user_known_at, sized.user_id)) as anchor_user_id,
        min(sized.user_known_at) as first_known_at,
        min(sized.signup_at) as first_signup_at,
        max(sized.signup_at) as last_signup_at,
        max(sized.signups_within_48h) as max_signups_within_48h,
        count(*) filter (where sized.bonus_redemptions > 0) as members_with_bonus,
        sum(sized.bonus_usd) as bonus_usd,
        count(*) filter (where sized.is_card_tester) as card_testers,
        count(*) filter (where sized.shows_takeover) as takeover_victims,
        count(*) filter (where sized.shows_mule_cashout) as cash_out_points,
        sum(sized.suspicious_declines) as suspicious_declines,
        any_value(dominant_acquisition.dominant_channel) as dominant_channel,
        coalesce(any_value(dominant_acquisition.dominant_channel_members), 0) as dominant_channel_members,
        any_value(dominant_acquisition.dominant_campaign_id) as dominant_campaign_id,
        count(*) filter (where sized.referral_code in (
            select own.own_referral_code from members as own
            where own.component_id = sized.component_id
        )) as referred_within_group
    from sized
    left join dominant_acquisition on sized.component_id = dominant_acquisition.component_id
    group by sized.component_id
    having min(sized.member_count) >= 2
),

shared_identifiers as (
    select
        components.component_id,
        edges.identifier_type,
        edges.identifier_key,
        count(distinct edges.user_id) as members_sharing
    from {{ ref('int_risk__graph_edges') }} as edges
    inner join components on edges.user_id = components.user_id
    group by components.component_id, edges.identifier_type, edges.identifier_key
    having count(distinct edges.user_id) >= 2
),

sharing as (
    select
        component_id,
        list_sort(list_distinct(list(identifier_type))) as shared_identifier_types,
        count(*) filter (where identifier_type = 'device') as shared_devices,
        count(*) filter (where identifier_type = 'card') as shared_cards,
        count(*) filter (where identifier_type = 'payout_account') as shared_payout_accounts
    from shared_identifiers
    group by component_id
),

internal_trades as (
    select
        buyers.component_id,
        edges.buyer_id,
        edges.seller_id,
        edges.trades,
        edges.gross_usd,
        edges.is_mutual,
        edges.first_trade_at
    from {{ ref('int_risk__trade_edges') }} as edges
    inner join components as buyers on edges.buyer_id = buyers.user_id
    inner join components as sellers
        on edges.seller_id = sellers.user_id and buyers.component_id = sellers.component_id
),

receivers as (
    select
        component_id,
        seller_id,
        sum(gross_usd) as received_usd
    from internal_trades
    group by component_id, seller_id
),

-- value paid inside the group by members who had just signed up, to members who withdraw
funnels as (
    select
        internal_trades.component_id,
        count(distinct internal_trades.buyer_id) filter (
            where date_diff('hour', buyers.signup_at, internal_trades.first_trade_at) < 72
        ) as new_buyers_paying_members,
        sum(internal_trades.gross_usd) filter (where sellers.payouts > 0)
        / nullif(sum(internal_trades.gross_usd), 0) as share_received_by_withdrawing_members
    from internal_trades
    inner join signals as buyers on internal_trades.buyer_id = buyers.user_id
    inner join signals as sellers on internal_trades.seller_id = sellers.user_id
    group by internal_trades.component_id
),

trading as (
    select
        internal_trades.component_id,
        sum(internal_trades.trades) as internal_trades,
        sum(internal_trades.gross_usd) as internal_trade_usd,
        count(*) filter (where internal_trades.is_mutual) // 2 as mutual_pairs,
        (
            select max(receivers.received_usd) from receivers
            where receivers.component_id = internal_trades.component_id
        )
        / nullif(sum(internal_trades.gross_usd), 0) as top_receiver_share
    from internal_trades
    group by internal_trades.component_id
),

member_flows as (
    select
        component_id,
        user_id,
        sum(paid_usd) as paid_usd,
        sum(received_usd) as received_usd
    from (
        select
            component_id,
            buyer_id as user_id,
            gross_usd as paid_usd,
            0 as received_usd
        from internal_trades
        union all
        select
            component_id,
            seller_id as user_id,
            0 as paid_usd,
            gross_usd as received_usd
        from internal_trades
    ) as flows
    group by component_id, user_id
),

-- money that goes round: members who both pay and are paid inside the group, and how far each
-- member's inflow and outflow are from cancelling out (0 = perfectly balanced)
circulation as (
    select
        component_id,
        count(*) filter (where paid_usd > 0 and received_usd > 0) as members_paying_and_paid,
        sum(abs(received_usd - paid_usd)) / nullif(sum(received_usd + paid_usd), 0) as internal_flow_imbalance
    from member_flows
    group by component_id
),

cycles as (
    select
        first_leg.component_id,
        count(*) // 3 as trade_cycles
    from internal_trades as first_leg
    inner join internal_trades as second_leg
        on first_leg.seller_id = second_leg.buyer_id and first_leg.component_id = second_leg.component_id
    inner join internal_trades as third_leg
        on
            second_leg.seller_id = third_leg.buyer_id
            and first_leg.buyer_id = third_leg.seller_id
            and first_leg.component_id = third_leg.component_id
    where first_leg.buyer_id <> second_leg.seller_id
    group by first_leg.component_id
),

chargebacks as (
    select
        components.component_id,
        count(distinct attempts.user_id) as members_with_fraud_chargebacks
    from {{ ref('stg_payments__chargebacks') }} as chargebacks
    inner join {{ ref('stg_payments__payment_attempts') }} as attempts
        on chargebacks.attempt_id = attempts.attempt_id
    inner join components on attempts.user_id = components.user_id
    where chargebacks.reason = 'fraudulent' and {{ known_by_cutoff('chargebacks._batch_at') }}
    group by components.component_id
)

select
    groups.*,
    coalesce(sharing.shared_identifier_types, []) as shared_identifier_types,
    coalesce(sharing.shared_devices, 0) as shared_devices,
    coalesce(sharing.shared_cards, 0) as shared_cards,
    coalesce(sharing.shared_payout_accounts, 0) as shared_payout_accounts,
    coalesce(trading.internal_trades, 0) as internal_trades,
    coalesce(trading.internal_trade_usd, 0) as internal_trade_usd,
    coalesce(trading.mutual_pairs, 0) as mutual_pairs,
    trading.top_receiver_share,
    coalesce(cycles.trade_cycles, 0) as trade_cycles,
    coalesce(circulation.members_paying_and_paid, 0) as members_paying_and_paid,
    circulation.internal_flow_imbalance,
    coalesce(funnels.new_buyers_paying_members, 0) as new_buyers_paying_members,
    funnels.share_received_by_withdrawing_members,
    coalesce(chargebacks.members_with_fraud_chargebacks, 0) as members_with_fraud_chargebacks
from groups
left join sharing on groups.component_id = sharing.component_id
left join trading on groups.component_id = trading.component_id
left join cycles on groups.component_id = cycles.component_id
left join funnels on groups.component_id = funnels.component_id
left join circulation on groups.component_id = circulation.component_id
left join chargebacks on groups.component_id = chargebacks.component_id
