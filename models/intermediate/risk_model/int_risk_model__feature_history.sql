{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(feature_history_users_to_rebuild()) }}",
            "{{ delete_keys_to_rebuild(['user_id']) }}",
        ],
        post_hook=[
            "{% for name, rows_sql in feature_history_derived_inputs().items() %}{{ remember_rows_read(name, rows_sql) }};{% endfor %}",
            "{{ remember_deliveries_read(feature_history_inputs()) }}",
        ]
    )
}}
{%- set changed_users_only = rebuilds_changed_keys_only() -%}
{#- Point-in-time features and training label of every real user at every daily scan of
    int_risk_model__scan_times, stored as periods: one row per user from each scan at which
    something changed (`valid_from`) up to the next such scan (`valid_until`, null while current).
    The rows of one scan are the periods that contain it (risk_model.warehouse.PointInTime), so
    the table grows with activity, not with users x scans.
    A record counts from the first scan at or after both its delivery (`_batch_at`, or the link's
    or label's `known_at`) and its event time, so a period only holds what a scan at that moment
    could have read, and replaying the deliveries rebuilds the same rows. Additive measures are
    summed per scan and accumulated; distinct counts count each entity from the scan it was first
    visible; hourly peaks count each record of the hour from the scan at which it is visible.
    `features_known_through` is the latest delivery any feature of the row rests on (tested to be
    at or before `valid_from`). The training label of a scan is a fraud label of risk_labels that
    happened and was delivered by the end of the scan's label window (scan + var
    risk_model_label_window_days): it holds from the first scan whose window reaches both.
    Incremental by user: a run rebuilds every row of the users that new deliveries can reach
    (macros/incremental/keys_to_rebuild.sql) and keeps the others. -#}
{%- set cumulative = [
    'payment_attempts', 'declined_attempts', 'succeeded_attempts', 'suspicious_declines',
    'small_attempts', 'topup_usd', 'distinct_cards', 'distinct_card_bins', 'distinct_card_countries',
    'logins', 'failed_logins', 'password_resets', 'payout_methods_added', 'foreign_logins',
    'devices_used', 'event_countries', 'payouts', 'payout_usd', 'payout_accounts',
    'trades_sold', 'sold_usd', 'trades_bought', 'bought_usd', 'distinct_buyers', 'distinct_sellers',
    'distinct_new_buyers', 'distinct_risky_buyers', 'mutual_counterparties', 'labelled_counterparties',
    'bonus_redemptions', 'bonus_usd', 'fraud_chargebacks', 'confirmed_fraud_cases',
    'false_positive_cases', 'takeover_reports',
    'users_sharing_strong', 'users_sharing_ip', 'users_sharing_referral',
    'linked_labelled_users', 'linked_risky_users',
] -%}
{%- set peaks = ['max_attempts_in_hour', 'max_failed_logins_in_hour'] -%}
{%- set daily = "'T+1'" -%}
{#- distinct-count and link increments: (kind in count_increments, feature) -#}
{%- set count_kinds = [
    ('card', 'distinct_cards'),
    ('bin', 'distinct_card_bins'),
    ('card_country', 'distinct_card_countries'),
    ('device', 'devices_used'),
    ('event_country', 'event_countries'),
    ('payout_account', 'payout_accounts'),
    ('buyer', 'distinct_buyers'),
    ('seller', 'distinct_sellers'),
    ('new_buyer', 'distinct_new_buyers'),
    ('risky_buyer', 'distinct_risky_buyers'),
    ('mutual', 'mutual_counterparties'),
    ('labelled_counterparty', 'labelled_counterparties'),
    ('users_sharing_strong', 'users_sharing_strong'),
    ('users_sharing_ip', 'users_sharing_ip'),
    ('users_sharing_referral', 'users_sharing_referral'),
    ('linked_labelled_users', 'linked_labelled_users'),
    ('linked_risky_users', 'linked_risky_users'),
] -%}

with scans as (
    select scan_at from {{ ref('int_risk_model__scan_times') }}
),

users as (
    select
        user_id,
        created_at,
        country_code,
        _first_batch_at as known_at,
        {{ next_scan_at('greatest(_first_batch_at, created_at)', daily) }} as visible_from
    from {{ ref('stg_app__users') }}
    where not is_test_account
),

-- the users this run computes: all of them, or those new deliveries reach
rebuilt_users as (
    select users.*
    from users
    {%- if changed_users_only %}
    inner join {{ keys_to_rebuild() }} as keys_to_rebuild on users.user_id = keys_to_rebuild.user_id
    {%- endif %}
),

scan_bounds as (
    select
        min(scan_at) as first_scan_at,
        max(scan_at) as last_scan_at
    from scans
),

-- payments --------------------------------------------------------------------------------------
attempts as (
    select
        attempts.*,
        {{ next_scan_at('greatest(attempts._batch_at, attempts.created_at)', daily) }} as visible_from
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    inner join rebuilt_users on attempts.user_id = rebuilt_users.user_id
),

payment_increments as (
    select
        user_id,
        visible_from as scan_at,
        max(_batch_at) as known_at,
        count(*) as payment_attempts,
        count(*) filter (where status = 'declined') as declined_attempts,
        count(*) filter (where status = 'succeeded') as succeeded_attempts,
        count(*) filter (
            where decline_code in ('stolen_card', 'incorrect_cvc', 'do_not_honor')
        ) as suspicious_declines,
        count(*) filter (where amount_usd < 5) as small_attempts,
        coalesce(sum(amount_usd) filter (where status = 'succeeded' and purpose = 'topup'), 0) as topup_usd
    from attempts
    group by user_id, visible_from
),

card_first_seen as (
    select
        user_id,
        'card' as kind,
        card_fingerprint as entity,
        min(visible_from) as scan_at
    from attempts
    where card_fingerprint is not null
    group by user_id, card_fingerprint
    union all
    select
        user_id,
        'bin' as kind,
        card_bin,
        min(visible_from) as scan_at
    from attempts
    where card_bin is not null
    group by user_id, card_bin
    union all
    select
        user_id,
        'card_country' as kind,
        card_country,
        min(visible_from) as scan_at
    from attempts
    where card_country is not null
    group by user_id, card_country
),

attempt_peaks as (
    {{ hourly_peaks_as_seen('attempts', 'created_at', 'attempt_id', 'max_attempts_in_hour') }}
),

-- a payer is risky from the scan at which a stolen-card style decline or a fraudulent chargeback
-- of theirs is visible
risky_payers as (
    select
        user_id,
        min(visible_from) as risky_from
    from (
        select
            all_attempts.user_id,
            {{ next_scan_at('greatest(all_attempts._batch_at, all_attempts.created_at)', daily) }} as visible_from
        from {{ ref('stg_payments__payment_attempts') }} as all_attempts
        inner join users on all_attempts.user_id = users.user_id
        where all_attempts.decline_code in ('stolen_card', 'incorrect_cvc', 'do_not_honor')
        union all
        select
            user_id,
            {{ next_scan_at('greatest(known_at, label_at)', daily) }}
        from {{ ref('risk_labels') }}
        where label_type = 'fraudulent_chargeback'
    ) as unioned
    group by user_id
),

-- labels known by the scan (features, not targets: a scan may use what it knows) ---------------
known_labels as (
    select
        user_id,
        {{ next_scan_at('greatest(known_at, label_at)', daily) }} as scan_at,
        max(known_at) as known_at,
        count(*) filter (where label_type = 'fraudulent_chargeback') as fraud_chargebacks,
        count(*) filter (where label_type = 'confirmed_fraud_case') as confirmed_fraud_cases,
        count(*) filter (where label_type = 'false_positive_case') as false_positive_cases,
        count(*) filter (where label_type = 'account_takeover_report') as takeover_reports
    from {{ ref('risk_labels') }}
    where user_id in (select rebuilt_users.user_id from rebuilt_users)
    group by all
),

-- the training target (not a feature): from the first scan whose label window reaches both the
-- label and its delivery, the earliest delivery among such labels
label_steps as (
    select
        labels.user_id,
        greatest(
            {{ next_scan_at(
                "greatest(labels.known_at, labels.label_at) - interval '"
                ~ var('risk_model_label_window_days', 28) ~ " days'", daily
            ) }},
            scan_bounds.first_scan_at
        ) as scan_at,
        min(labels.known_at) as label_known_at
    from {{ ref('risk_labels') }} as labels
    inner join rebuilt_users on labels.user_id = rebuilt_users.user_id
    cross join scan_bounds
    where labels.is_fraud_label
    group by all
),

labelled_users as (
    select
        user_id,
        min({{ next_scan_at('greatest(known_at, label_at)', daily) }}) as labelled_from
    from {{ ref('risk_labels') }}
    where is_fraud_label
    group by user_id
),

-- app events ------------------------------------------------------------------------------------
events as (
    select
        events.event_id,
        events.user_id,
        events.event_type,
        events.device_id,
        events.country_code,
        events.occurred_at,
        events._batch_at,
        events.country_code <> rebuilt_users.country_code as is_foreign,
        {{ next_scan_at('greatest(events._batch_at, events.occurred_at)', daily) }} as visible_from
    from {{ ref('stg_events__app_events') }} as events
    inner join rebuilt_users on events.user_id = rebuilt_users.user_id
),

event_increments as (
    select
        user_id,
        visible_from as scan_at,
        max(_batch_at) as known_at,
        count(*) filter (where event_type = 'login') as logins,
        count(*) filter (where event_type = 'login_failed') as failed_logins,
        count(*) filter (where event_type = 'password_reset') as password_resets,
        count(*) filter (where event_type = 'payout_method_added') as payout_methods_added,
        count(*) filter (where event_type = 'login' and is_foreign) as foreign_logins
    from events
    group by user_id, visible_from
),

event_first_seen as (
    select
        user_id,
        'device' as kind,
        device_id as entity,
        min(visible_from) as scan_at
    from events
    where device_id is not null
    group by user_id, device_id
    union all
    select
        user_id,
        'event_country' as kind,
        country_code,
        min(visible_from) as scan_at
    from events
    where country_code is not null
    group by user_id, country_code
),

failed_logins as (
    select * from events
    where event_type = 'login_failed'
),

failed_login_peaks as (
    {{ hourly_peaks_as_seen('failed_logins', 'occurred_at', 'event_id', 'max_failed_logins_in_hour') }}
),

-- payouts and bonuses ---------------------------------------------------------------------------
payouts as (
    select
        payouts.*,
        {{ next_scan_at('greatest(payouts._first_batch_at, payouts.requested_at)', daily) }} as visible_from
    from {{ ref('stg_payments__payouts') }} as payouts
    inner join rebuilt_users on payouts.user_id = rebuilt_users.user_id
),

payout_increments as (
    select
        user_id,
        visible_from as scan_at,
        max(_first_batch_at) as known_at,
        count(*) as payouts,
        coalesce(sum(amount_usd), 0) as payout_usd
    from payouts
    group by user_id, visible_from
),

payout_first_seen as (
    select
        user_id,
        'payout_account' as kind,
        payout_account_hash as entity,
        min(visible_from) as scan_at
    from payouts
    where payout_account_hash is not null
    group by user_id, payout_account_hash
),

bonus_increments as (
    select
        redemptions.user_id,
        {{ next_scan_at('greatest(redemptions._first_batch_at, redemptions.redeemed_at)', daily) }} as scan_at,
        max(redemptions._first_batch_at) as known_at,
        count(*) as bonus_redemptions,
        coalesce(sum(redemptions.bonus_amount_usd), 0) as bonus_usd
    from {{ ref('stg_promotions__redemptions') }} as redemptions
    inner join rebuilt_users on redemptions.user_id = rebuilt_users.user_id
    group by all
),

-- trades ----------------------------------------------------------------------------------------
trades as (
    select
        trades.trade_id,
        trades.buyer_id,
        trades.seller_id,
        trades.gross_amount_usd,
        trades._batch_at,
        date_diff('hour', buyers.created_at, trades.executed_at) < 72 as buyer_is_new,
        {{ next_scan_at('greatest(trades._batch_at, trades.executed_at)', daily) }} as visible_from
    from {{ ref('stg_trading__trades') }} as trades
    inner join users as buyers on trades.buyer_id = buyers.user_id
    inner join users as sellers on trades.seller_id = sellers.user_id
    where
        trades.buyer_id <> trades.seller_id
        and (
            trades.buyer_id in (select rebuilt_users.user_id from rebuilt_users)
            or trades.seller_id in (select rebuilt_users.user_id from rebuilt_users)
        )
),

trade_increments as (
    select
        user_id,
        scan_at,
        max(known_at) as known_at,
        count(*) filter (where side = 'sell') as trades_sold,
        coalesce(sum(gross_amount_usd) filter (where side = 'sell'), 0) as sold_usd,
        count(*) filter (where side = 'buy') as trades_bought,
        coalesce(sum(gross_amount_usd) filter (where side = 'buy'), 0) as bought_usd
    from (
        select
            seller_id as user_id,
            visible_from as scan_at,
            _batch_at as known_at,
            gross_amount_usd,
            'sell' as side
        from trades
        union all
        select
            buyer_id,
            visible_from,
            _batch_at,
            gross_amount_usd,
            'buy' as side
        from trades
    ) as unioned
    group by user_id, scan_at
),

trade_pairs as (
    select
        buyer_id,
        seller_id,
        min(visible_from) as visible_from,
        min(visible_from) filter (where buyer_is_new) as new_buyer_visible_from
    from trades
    group by buyer_id, seller_id
),

counterparty_first_seen as (
    select
        seller_id as user_id,
        'buyer' as kind,
        buyer_id as entity,
        visible_from as scan_at
    from trade_pairs
    union all
    select
        buyer_id,
        'seller' as kind,
        seller_id,
        visible_from
    from trade_pairs
    union all
    select
        seller_id,
        'new_buyer' as kind,
        buyer_id,
        new_buyer_visible_from
    from trade_pairs
    where new_buyer_visible_from is not null
    union all
    select
        trade_pairs.seller_id,
        'risky_buyer' as kind,
        trade_pairs.buyer_id,
        greatest(trade_pairs.visible_from, risky_payers.risky_from) as scan_at
    from trade_pairs
    inner join risky_payers on trade_pairs.buyer_id = risky_payers.user_id
    union all
    select
        outbound.buyer_id,
        'mutual' as kind,
        outbound.seller_id,
        greatest(outbound.visible_from, inbound.visible_from) as scan_at
    from trade_pairs as outbound
    inner join trade_pairs as inbound
        on outbound.buyer_id = inbound.seller_id and outbound.seller_id = inbound.buyer_id
    union all
    select
        pairs.user_id,
        'labelled_counterparty' as kind,
        pairs.counterparty_id,
        min(greatest(pairs.visible_from, labelled_users.labelled_from)) as scan_at
    from (
        select
            buyer_id as user_id,
            seller_id as counterparty_id,
            visible_from
        from trade_pairs
        union all
        select
            seller_id,
            buyer_id,
            visible_from
        from trade_pairs
    ) as pairs
    inner join labelled_users on pairs.counterparty_id = labelled_users.user_id
    group by pairs.user_id, pairs.counterparty_id
),

-- the identity graph as of each scan (int_risk_model__link_history): a link pairs its user with
-- the others on its identifier until the identifier is a hub ------------------------------------
usable_links as (
    select * from {{ ref('int_risk_model__link_history') }}
    where hub_from is null or visible_from < hub_from
),

-- each pair of users linked through one identifier, from when both links were visible until the
-- identifier became a hub
link_pairs as (
    select
        mine.user_id,
        theirs.user_id as other_user_id,
        mine.link_class,
        greatest(mine.visible_from, theirs.visible_from) as linked_from,
        mine.hub_from as linked_until
    from usable_links as mine
    inner join rebuilt_users on mine.user_id = rebuilt_users.user_id
    inner join usable_links as theirs
        on
            mine.identifier_type = theirs.identifier_type
            and mine.identifier = theirs.identifier
            and mine.user_id <> theirs.user_id
),

-- intervals during which another user counts, per kind of count
pair_intervals as (
    select
        user_id,
        other_user_id,
        'users_sharing_' || link_class as kind,
        linked_from as starts_at,
        linked_until as ends_at
    from link_pairs
    union all
    select
        link_pairs.user_id,
        link_pairs.other_user_id,
        'linked_labelled_users' as kind,
        greatest(link_pairs.linked_from, labelled_users.labelled_from) as starts_at,
        link_pairs.linked_until
    from link_pairs
    inner join labelled_users on link_pairs.other_user_id = labelled_users.user_id
    where link_pairs.link_class <> 'ip'
    union all
    select
        link_pairs.user_id,
        link_pairs.other_user_id,
        'linked_risky_users' as kind,
        greatest(link_pairs.linked_from, risky_payers.risky_from) as starts_at,
        link_pairs.linked_until
    from link_pairs
    inner join risky_payers on link_pairs.other_user_id = risky_payers.user_id
    where link_pairs.link_class <> 'ip'
),

pair_deltas as (
    select
        user_id,
        other_user_id,
        kind,
        scan_at,
        sum(delta) as delta
    from (
        select
            user_id,
            other_user_id,
            kind,
            starts_at as scan_at,
            1 as delta
        from pair_intervals
        where ends_at is null or starts_at < ends_at
        union all
        select
            user_id,
            other_user_id,
            kind,
            ends_at,
            -1 as delta
        from pair_intervals
        where ends_at is not null and starts_at < ends_at
    ) as unioned
    group by all
),

pair_states as (
    select
        user_id,
        kind,
        scan_at,
        sum(delta) over pair_history > 0 as is_linked,
        coalesce(sum(delta) over pair_before > 0, false) as was_linked
    from pair_deltas
    window
        pair_history as (
            partition by user_id, other_user_id, kind order by scan_at
            rows between unbounded preceding and current row
        ),
        pair_before as (
            partition by user_id, other_user_id, kind order by scan_at
            rows between unbounded preceding and 1 preceding
        )
),

-- other users gained (+1) or lost (-1) per user, kind and scan
link_changes as (
    select
        user_id,
        kind,
        scan_at,
        sum(case when is_linked and not was_linked then 1 when was_linked and not is_linked then -1 else 0 end)
            as count_change
    from pair_states
    group by all
),

-- every distinct-count and link increment, per user, kind and scan
count_increments as (
    select
        user_id,
        kind,
        scan_at,
        sum(count_change) as count_change
    from (
        select
            user_id,
            kind,
            scan_at,
            1 as count_change
        from card_first_seen
        union all
        select
            user_id,
            kind,
            scan_at,
            1 as count_change
        from event_first_seen
        union all
        select
            user_id,
            kind,
            scan_at,
            1 as count_change
        from payout_first_seen
        union all
        select
            user_id,
            kind,
            scan_at,
            1 as count_change
        from counterparty_first_seen
        union all
        select * from link_changes
    ) as unioned
    group by all
),

-- bigint, not the hugeint of sum(): the running sums below are a fifth faster over bigints
count_pivot as (
    select
        {%- for kind, column in count_kinds %}
            cast(coalesce(sum(count_change) filter (where kind = '{{ kind }}'), 0) as bigint) as {{ column }},
        {%- endfor %}
        user_id,
        scan_at
    from count_increments
    group by user_id, scan_at
),

-- latest delivery each increment rests on (the snapshot's knowledge horizon)
known_increments as (
    select
        user_id,
        scan_at,
        max(known_at) as known_at
    from (
        select
            user_id,
            scan_at,
            known_at
        from payment_increments
        union all
        select
            user_id,
            scan_at,
            known_at
        from attempt_peaks
        union all
        select
            user_id,
            scan_at,
            known_at
        from event_increments
        union all
        select
            user_id,
            scan_at,
            known_at
        from failed_login_peaks
        union all
        select
            user_id,
            scan_at,
            known_at
        from payout_increments
        union all
        select
            user_id,
            scan_at,
            known_at
        from bonus_increments
        union all
        select
            user_id,
            scan_at,
            known_at
        from trade_increments
        union all
        select
            user_id,
            scan_at,
            known_at
        from known_labels
    ) as unioned
    group by user_id, scan_at
),

-- A user's row only changes at a scan where one of their increments or label steps lands, so
-- running totals are taken at those change points (and the user's first scan) and hold until the
-- next change: far fewer rows than every user at every scan.
change_points as (
    select
        change_keys.user_id,
        change_keys.scan_at
    from (
        select
            user_id,
            scan_at
        from known_increments
        union
        select
            user_id,
            scan_at
        from count_pivot
        union
        select
            user_id,
            scan_at
        from label_steps
        union
        select
            rebuilt_users.user_id,
            greatest(rebuilt_users.visible_from, first_scan.first_scan_at) as scan_at
        from rebuilt_users
        cross join scan_bounds as first_scan
    ) as change_keys
    cross join scan_bounds
    where change_keys.scan_at between scan_bounds.first_scan_at and scan_bounds.last_scan_at
),

joined as (
    select
        change_points.user_id,
        change_points.scan_at,
        rebuilt_users.created_at,
        rebuilt_users.known_at as user_known_at,
        rebuilt_users.visible_from as user_visible_from,
        payment_increments.payment_attempts,
        payment_increments.declined_attempts,
        payment_increments.succeeded_attempts,
        payment_increments.suspicious_declines,
        payment_increments.small_attempts,
        payment_increments.topup_usd,
        event_increments.logins,
        event_increments.failed_logins,
        event_increments.password_resets,
        event_increments.payout_methods_added,
        event_increments.foreign_logins,
        payout_increments.payouts,
        payout_increments.payout_usd,
        trade_increments.trades_sold,
        trade_increments.sold_usd,
        trade_increments.trades_bought,
        trade_increments.bought_usd,
        bonus_increments.bonus_redemptions,
        bonus_increments.bonus_usd,
        known_labels.fraud_chargebacks,
        known_labels.confirmed_fraud_cases,
        known_labels.false_positive_cases,
        known_labels.takeover_reports,
        {%- for kind, column in count_kinds %}
            count_pivot.{{ column }},
        {%- endfor %}
        cast(attempt_peaks.max_attempts_in_hour as bigint) as max_attempts_in_hour,
        cast(failed_login_peaks.max_failed_logins_in_hour as bigint) as max_failed_logins_in_hour,
        known_increments.known_at as increment_known_at,
        label_steps.label_known_at as step_label_known_at
    from change_points
    inner join rebuilt_users on change_points.user_id = rebuilt_users.user_id
    left join payment_increments
        on change_points.user_id = payment_increments.user_id and change_points.scan_at = payment_increments.scan_at
    left join event_increments
        on change_points.user_id = event_increments.user_id and change_points.scan_at = event_increments.scan_at
    left join payout_increments
        on change_points.user_id = payout_increments.user_id and change_points.scan_at = payout_increments.scan_at
    left join trade_increments
        on change_points.user_id = trade_increments.user_id and change_points.scan_at = trade_increments.scan_at
    left join bonus_increments
        on change_points.user_id = bonus_increments.user_id and change_points.scan_at = bonus_increments.scan_at
    left join known_labels
        on change_points.user_id = known_labels.user_id and change_points.scan_at = known_labels.scan_at
    left join count_pivot
        on change_points.user_id = count_pivot.user_id and change_points.scan_at = count_pivot.scan_at
    left join attempt_peaks
        on change_points.user_id = attempt_peaks.user_id and change_points.scan_at = attempt_peaks.scan_at
    left join failed_login_peaks
        on change_points.user_id = failed_login_peaks.user_id and change_points.scan_at = failed_login_peaks.scan_at
    left join known_increments
        on change_points.user_id = known_increments.user_id and change_points.scan_at = known_increments.scan_at
    left join label_steps
        on change_points.user_id = label_steps.user_id and change_points.scan_at = label_steps.scan_at
),

running_totals as (
    select
        user_id,
        scan_at as changed_at,
        lead(scan_at) over (partition by user_id order by scan_at) as next_change_at,
        created_at,
        user_visible_from,
        {%- for feature in cumulative %}
            cast(sum(coalesce({{ feature }}, 0)) over history as double) as {{ feature }},
        {%- endfor %}
        {%- for feature in peaks %}
            cast(coalesce(max({{ feature }}) over history, 0) as double) as {{ feature }},
        {%- endfor %}
        greatest(user_known_at, max(increment_known_at) over history) as features_known_through,
        min(step_label_known_at) over history as label_known_at
    from joined
    window history as (partition by user_id order by scan_at rows between unbounded preceding and current row)
),

-- a period starts no earlier than the scan from which the user is visible, and no later than the
-- last scan
periods as (
    select
        running_totals.*,
        greatest(running_totals.changed_at, running_totals.user_visible_from) as valid_from
    from running_totals
)

select
    periods.user_id,
    periods.valid_from,
    periods.next_change_at as valid_until,
    periods.created_at,
    {%- for feature in cumulative + peaks %}
        periods.{{ feature }},
    {%- endfor %}
    periods.features_known_through,
    periods.label_known_at
from periods
cross join scan_bounds
where
    periods.valid_from <= scan_bounds.last_scan_at
    and (periods.next_change_at is null or periods.valid_from < periods.next_change_at)
