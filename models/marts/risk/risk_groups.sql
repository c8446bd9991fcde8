-- One row per group of connected users, scored by the evidence organised fraud leaves rather
-- than by size. Points: behaviour - bonus claims of a group of three or more funnelled to
-- one collector, or three or more
-- just-signed-up members paying members who withdraw the money (3), closed trading
-- loops or several mutual trading pairs (3), a card tester (3), account-takeover victims (3 for
-- two or more, 2 for one), two or more members with fraudulent chargebacks (2), a cash-out point
-- fed by new accounts (2); structure - a payout account shared by members (1), a card shared
-- across three or more members (1), a signup burst (1), acquisition concentrated on one partner
-- or referrals within the group (1). A group is flagged with var group_flag_min_score (3) points
-- of which at least 2 are behavioural, so families and office colleagues, who share devices,
-- cards and IPs but do not move money like a ring, stay unflagged.
with evidence as (
    select * from {{ ref('int_risk__group_evidence') }}
),

scored as (
    select
        *,
        member_count >= 3
        and members_with_bonus >= 0.5 * member_count
        and internal_trades >= 2
        and top_receiver_share >= 0.5 as funnels_bonus_to_collector,
        trade_cycles >= 1
        or mutual_pairs >= 2
        or (
            members_paying_and_paid >= 3
            and members_paying_and_paid >= 0.6 * member_count
            and internal_flow_imbalance <= 0.35
        ) as trades_in_loops,
        new_buyers_paying_members >= 3
        and share_received_by_withdrawing_members >= 0.7 as funnels_new_money_to_cash_out,
        member_count >= 4 and max_signups_within_48h >= 0.6 * member_count as signed_up_in_burst,
        member_count >= 4
        and (
            (
                dominant_campaign_id is not null
                and dominant_channel = 'affiliate'
                and dominant_channel_members >= 0.7 * member_count
            )
            or referred_within_group >= 0.5 * member_count
        ) as concentrated_acquisition
    from evidence
),

points as (
    select
        *,
        (case when funnels_bonus_to_collector or funnels_new_money_to_cash_out then 3 else 0 end)
        + (case when trades_in_loops then 3 else 0 end)
        + (case when card_testers >= 1 then 3 else 0 end)
        + (case when takeover_victims >= 2 then 3 when takeover_victims = 1 then 2 else 0 end)
        + (case when members_with_fraud_chargebacks >= 2 then 2 else 0 end)
        + (case when cash_out_points >= 1 then 2 else 0 end) as behaviour_points,
        (case when shared_payout_accounts >= 1 then 1 else 0 end)
        + (case when shared_cards >= 1 and member_count >= 3 then 1 else 0 end)
        + (case when signed_up_in_burst then 1 else 0 end)
        + (case when concentrated_acquisition then 1 else 0 end) as structure_points
    from scored
)

select
    'G-' || anchor_user_id as group_id,
    member_count,
    shared_identifier_types,
    first_signup_at as first_seen_at,
    first_known_at,
    last_signup_at,
    members_with_bonus,
    cast(bonus_usd as decimal(18, 2)) as bonus_usd,
    members_with_fraud_chargebacks,
    cast(suspicious_declines as bigint) as suspicious_declines,
    cast(internal_trades as bigint) as internal_trades,
    cast(internal_trade_usd as decimal(18, 2)) as internal_trade_usd,
    mutual_pairs,
    trade_cycles,
    members_paying_and_paid,
    internal_flow_imbalance,
    top_receiver_share,
    new_buyers_paying_members,
    share_received_by_withdrawing_members,
    card_testers,
    takeover_victims,
    cash_out_points,
    shared_devices,
    shared_cards,
    shared_payout_accounts,
    dominant_channel,
    dominant_campaign_id,
    funnels_bonus_to_collector,
    funnels_new_money_to_cash_out,
    trades_in_loops,
    signed_up_in_burst,
    concentrated_acquisition,
    cast(behaviour_points + structure_points as integer) as risk_score,
    behaviour_points >= 2 and behaviour_points + structure_points >= {{ var('group_flag_min_score') }} as is_flagged,
    nullif(concat_ws(
        '; ',
        case
            when funnels_bonus_to_collector then
                members_with_bonus || ' of ' || member_count
                || ' members claimed bonuses and '
                || round(100 * top_receiver_share)
                || '% of internal trade value went to one member'
        end,
        case
            when funnels_new_money_to_cash_out and not funnels_bonus_to_collector then
                new_buyers_paying_members
                || ' new accounts paid '
                || round(100 * share_received_by_withdrawing_members)
                || '% of internal value to members who withdrew it'
        end,
        case
            when trades_in_loops then
                members_paying_and_paid || ' members both paying and paid inside the group (flow imbalance '
                || round(internal_flow_imbalance, 2)
                || '), '
                || trade_cycles
                || ' three-member loops, '
                || mutual_pairs
                || ' mutual pairs'
        end,
        case when card_testers >= 1 then card_testers || ' member(s) testing cards' end,
        case
            when
                takeover_victims >= 1
                then takeover_victims || ' account(s) showing takeover (failed-login burst, reset, new payout method)'
        end,
        case
            when
                members_with_fraud_chargebacks >= 2
                then members_with_fraud_chargebacks || ' members with fraudulent chargebacks'
        end,
        case
            when
                cash_out_points >= 1
                then
                    cash_out_points
                    || ' cash-out point(s) paid by buyers with stolen-card declines or fraud chargebacks'
        end,
        case when shared_payout_accounts >= 1 then shared_payout_accounts || ' shared payout account(s)' end,
        case when shared_cards >= 1 and member_count >= 3 then shared_cards || ' shared card(s)' end,
        case when signed_up_in_burst then max_signups_within_48h || ' signups within 48 hours' end,
        case
            when
                concentrated_acquisition
                then 'acquisition concentrated on ' || coalesce(dominant_campaign_id, 'referrals within the group')
        end
    ), '') as reason
from points
