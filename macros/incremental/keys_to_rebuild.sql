{#- Building blocks of the key lists below: the changed inputs, read against the calling model's
    ledger of deliveries (deliveries_read.sql). -#}

{#- The CTEs every key list starts with (`with {{ changed_input_ctes() }}, ...`):
    - changed_users: the users with a new version, who may turn out to be a test account or be
      delivered after their activity;
    - changed_rates: per currency, the first day whose USD rate was delivered (or restated); a day
      takes its own rate or the latest earlier one, so every later day of the currency may be
      re-priced;
    - changed_trades (buyer_id, seller_id, executed_on): the trades whose figures may have changed:
      every delivered version of a trade with a new version (a correction can move a trade to
      other parties or another day), the trades re-priced by a new rate, and the trades of a
      changed user. -#}
{#- Per currency, the first day whose USD rate was delivered (or restated) since the last run. -#}
{% macro changed_rates() -%}
    changed_rates as (
        select
            currency,
            min(rate_date) as first_changed_rate_date
        from {{ rows_not_read_yet('stg_reference__fx_rates') }}
        group by currency
    )
{%- endmacro %}

{% macro changed_input_ctes() -%}
    changed_users as (
        select user_id from {{ rows_not_read_yet('stg_app__users') }}
    ),

    {{ changed_rates() }},

    corrected_trades as (
        select trade_id from {{ rows_not_read_yet('stg_trading__trades') }}
    ),

    changed_trades as (
        select
            {{ clean_text('versions.buyer_id::varchar') }} as buyer_id,
            {{ clean_text('versions.seller_id::varchar') }} as seller_id,
            versions.parsed_executed_at::date as executed_on
        from {{ ref('base_trading__trades') }} as versions
        inner join corrected_trades on versions.parsed_trade_id = corrected_trades.trade_id
        where versions._reject_reason is null
        union all
        select
            trades.buyer_id,
            trades.seller_id,
            trades.executed_at::date as executed_on
        from {{ ref('stg_trading__trades') }} as trades
        left join changed_rates on trades.currency = changed_rates.currency
        where
            trades.executed_at::date >= changed_rates.first_changed_rate_date
            or trades.buyer_id in (select changed_users.user_id from changed_users)
            or trades.seller_id in (select changed_users.user_id from changed_users)
    )
{%- endmacro %}

{#- The users of the records that changed since the last run, as the union-all rows of a user_id
    column (inside `with {{ changed_input_ctes() }}`): a new version of the user, a new event or
    payment attempt, every version's user of a payout with a new version, both parties of every
    changed trade. -#}
{% macro users_with_changed_records() -%}
        select user_id from changed_users
        union all
        select user_id from {{ rows_not_read_yet('stg_events__app_events') }}
        union all
        select user_id from {{ rows_not_read_yet('stg_payments__payment_attempts') }}
        union all
        select {{ clean_text('versions.user_id') }}
        from {{ ref('base_payments__payouts') }} as versions
        where
            versions._reject_reason is null
            and versions.parsed_payout_id in (
                select changed_payouts.payout_id from {{ rows_not_read_yet('stg_payments__payouts') }} as changed_payouts
            )
        union all
        select buyer_id from changed_trades
        union all
        select seller_id from changed_trades
{%- endmacro %}

{#- The (user_id, activity_date) rows of int_users__activity_daily that deliveries it has not read
    can change (macros/incremental/deliveries_read.sql). A row is a function of the user's events,
    payment attempts and trades of that UTC day, of whether the user and the counterparty are real
    users, and of the USD rate of the day; so it must be rebuilt when
    - an event or payment attempt of that user and day is first delivered (both keep their first
      delivery, so a re-delivery changes nothing);
    - a trade of that user and day gets a new version: every version's buyer and seller day, as a
      correction can move a trade to other parties or another day;
    - a USD rate of the currency is delivered for that day or an earlier one (a day takes its own
      rate or the latest earlier one);
    - a new version of the user (who may turn out to be a test account, or be delivered after the
      activity): every day of the user's events, attempts and trades (which covers every row the
      user has), and the days of the counterparties of the user's trades.
    The list may hold keys that end up unchanged, or without any activity (then it is deleted). -#}
{% macro user_activity_days_to_rebuild() -%}
    with {{ changed_input_ctes() }},

    trade_days as (
        select
            buyer_id,
            seller_id,
            executed_on as activity_date
        from changed_trades
    ),

    payment_days as (
        select
            attempts.user_id,
            attempts.created_at::date as activity_date
        from {{ rows_not_read_yet('stg_payments__payment_attempts') }} as attempts
        union all
        select
            attempts.user_id,
            attempts.created_at::date as activity_date
        from {{ ref('stg_payments__payment_attempts') }} as attempts
        left join changed_rates on attempts.currency = changed_rates.currency
        where
            attempts.created_at::date >= changed_rates.first_changed_rate_date
            or attempts.user_id in (select changed_users.user_id from changed_users)
    ),

    event_days as (
        select
            events.user_id,
            events.occurred_at::date as activity_date
        from {{ rows_not_read_yet('stg_events__app_events') }} as events
        union all
        select
            events.user_id,
            events.occurred_at::date as activity_date
        from {{ ref('stg_events__app_events') }} as events
        where events.user_id in (select changed_users.user_id from changed_users)
    ),

    days as (
        select
            buyer_id as user_id,
            activity_date
        from trade_days
        union all
        select
            seller_id as user_id,
            activity_date
        from trade_days
        union all
        select
            user_id,
            activity_date
        from payment_days
        union all
        select
            user_id,
            activity_date
        from event_days
    )

    select distinct
        user_id,
        activity_date
    from days
    where user_id is not null and activity_date is not null
{%- endmacro %}

{#- The staged models whose deliveries int_users__activity_daily keeps track of. -#}
{% macro user_activity_inputs() -%}
    {{- return([
        'stg_app__users', 'stg_events__app_events', 'stg_payments__payment_attempts',
        'stg_reference__fx_rates', 'stg_trading__trades',
    ]) -}}
{%- endmacro %}

{#- The rows of fct_user_activity_daily to rebuild: the user-days int_users__activity_daily
    rebuilds (the same deliveries, read against the mart's own ledger), and every row of a user
    whose signup day, acquisition channel or fraud status has changed since it was written (a
    touchpoint or a fraud label delivered later re-attributes or relabels the user). The outcome
    columns are compared as the mart writes them. -#}
{% macro user_activity_fact_days_to_rebuild() -%}
    with changed_days as (
        {{ user_activity_days_to_rebuild() }}
    ),

    written_outcomes as (
        select distinct
            user_id,
            signup_date,
            acquisition_channel,
            is_fraud
        from {{ this }}
    ),

    changed_outcome_users as (
        select written_outcomes.user_id
        from written_outcomes
        left join {{ ref('int_users__acquisition_outcomes') }} as outcomes
            on written_outcomes.user_id = outcomes.user_id
        where
            written_outcomes.signup_date is distinct from outcomes.signup_date::date
            or written_outcomes.acquisition_channel is distinct from outcomes.acquisition_channel::varchar
            or written_outcomes.is_fraud is distinct from coalesce(outcomes.is_fraud, false)
    )

    select
        user_id,
        activity_date
    from changed_days
    union
    select
        activity.user_id,
        activity.activity_date
    from {{ ref('int_users__activity_daily') }} as activity
    inner join changed_outcome_users on activity.user_id = changed_outcome_users.user_id
{%- endmacro %}

{#- The users whose rows of int_risk__identity_links deliveries it has not read can change (every
    row of such a user is rebuilt). A user's links come from their own record, events, payment
    attempts and payouts, and from concentrated trading, where a buyer's link depends on all of the
    buyer's purchases and a seller's on every buyer concentrated on them. So:
    - a user with a new version, a new event or attempt, or a payout with a new version (the users
      of all its versions);
    - both parties of every changed trade (corrected, re-priced, or with a user of a new version), and every seller their buyers bought from, whose buyer may have become, or
      stopped being, concentrated on them. -#}
{% macro identity_link_users_to_rebuild() -%}
    with {{ changed_input_ctes() }},

    users as (
        {{ users_with_changed_records() }}
        union all
        select all_trades.seller_id
        from {{ ref('stg_trading__trades') }} as all_trades
        where all_trades.buyer_id in (select changed_trades.buyer_id from changed_trades)
    )

    select distinct user_id
    from users
    where user_id is not null
{%- endmacro %}

{#- The staged models whose deliveries int_risk__identity_links keeps track of. -#}
{% macro identity_link_inputs() -%}
    {{- return([
        'stg_app__users', 'stg_events__app_events', 'stg_payments__payment_attempts',
        'stg_payments__payouts', 'stg_reference__fx_rates', 'stg_trading__trades',
    ]) -}}
{%- endmacro %}

{#- The derived inputs int_risk_model__feature_history compares with what it last read (as
    `rows_read_relation(name)`), with the columns it uses. A link is kept as hashes (of its
    identifier, and of the whole row), which is all the comparison needs: copying the graph itself
    took longer than rebuilding the users it reaches. -#}
{% macro feature_history_derived_inputs() -%}
    {{- return({
        'links': "select user_id, hash(identifier_type, identifier) as identifier_hash,"
            ~ " hub_from is null or visible_from < hub_from as is_usable,"
            ~ " hash(user_id, identifier_type, identifier, link_class, first_seen_at, visible_from, hub_from)"
            ~ " as row_hash from " ~ ref('int_risk_model__link_history'),
        'labels': "select user_id, label_type, source_id, label_at, known_at, is_fraud_label from "
            ~ ref('risk_labels'),
        'scans': "select scan_at from " ~ ref('int_risk_model__scan_times'),
    }) -}}
{%- endmacro %}

{#- The users whose rows of int_risk_model__feature_history deliveries it has not read can change
    (every row of such a user is rebuilt). A user's periods are a function of the user's own
    records, labels and links, of the scans, and, through trades and shared identifiers, of other
    users: their trades with the user, signup time, risky and labelled status, and links. So:
    - every user on the first list, the user's own inputs changed:
        - a new version of the user, a new event or payment attempt, a payout or bonus redemption
          with a new version (the users of all its versions), both parties of every changed trade;
        - an attempt, payout or redemption re-priced by a newly delivered USD rate;
        - a link (int_risk_model__link_history) or label (marts.risk_labels) that differs from
          the copy the last run kept, both ways; a changed hub moment changes every link of the
          identifier, so every user on it is listed;
        - when a new scan has appeared, every user with a record, link or label that only the new
          scans see (delivered or happened after the last scan the last run had), or a link whose
          identifier turns into a hub after it; when the first scan moved, every user;
    - the other party of every trade of a listed user;
    - every user with a usable link (before its identifier is a hub) on an identifier where a listed
      user has, or had, a usable link. A link after the hub moment pairs with nobody, so a busy
      shared IP does not list its thousands of users.
    The list may hold users whose rows end up unchanged. -#}
{% macro feature_history_users_to_rebuild() -%}
    {%- set derived = feature_history_derived_inputs() -%}
    {#- the staged records of a user: (model, when delivered, when it happened) -#}
    {%- set user_records = [
        ('stg_app__users', '_first_batch_at', 'created_at'),
        ('stg_events__app_events', '_batch_at', 'occurred_at'),
        ('stg_payments__payment_attempts', '_batch_at', 'created_at'),
        ('stg_payments__payouts', '_first_batch_at', 'requested_at'),
        ('stg_promotions__redemptions', '_first_batch_at', 'redeemed_at'),
    ] -%}
    {%- set priced_in_usd = [
        'stg_payments__payment_attempts', 'stg_payments__payouts', 'stg_promotions__redemptions',
    ] -%}
    with {{ changed_input_ctes() }},

    {%- for name, rows_sql in derived.items() %}

    {{ name }}_read as (
        select * from {{ rows_read_relation(name) }}
    ),

    {{ name }}_now as (
        {{ rows_sql }}
    ),
    {%- endfor %}

    -- per user, a fingerprint of the multiset of their links' rows
    link_fingerprints_read as (
        select
            user_id,
            sum(row_hash::hugeint) as fingerprint
        from links_read
        group by user_id
    ),

    link_fingerprints_now as (
        select
            user_id,
            sum(row_hash::hugeint) as fingerprint
        from links_now
        group by user_id
    ),

    changed_links as (
        select coalesce(link_fingerprints_read.user_id, link_fingerprints_now.user_id) as user_id
        from link_fingerprints_read
        full outer join link_fingerprints_now on link_fingerprints_read.user_id = link_fingerprints_now.user_id
        where link_fingerprints_read.fingerprint is distinct from link_fingerprints_now.fingerprint
    ),

    changed_labels as (
        (select * from labels_read except all select * from labels_now)
        union all
        (select * from labels_now except all select * from labels_read)
    ),

    scan_change as (
        select
            (select min(scans_read.scan_at) from scans_read) as first_scan_read,
            (select max(scans_read.scan_at) from scans_read) as last_scan_read,
            (select min(scans_now.scan_at) from scans_now) as first_scan_now,
            (select max(scans_now.scan_at) from scans_now) as last_scan_now
    ),

    -- the last scan the last run had, if scans were added after it
    new_scans_after as (
        select last_scan_read as scan_at
        from scan_change
        where last_scan_now > last_scan_read
    ),

    changed_redemptions as (
        select redemption_id from {{ rows_not_read_yet('stg_promotions__redemptions') }}
    ),

    listed as (
        {{ users_with_changed_records() }}
        union all
        select {{ clean_text('versions.user_id') }}
        from {{ ref('base_promotions__redemptions') }} as versions
        inner join changed_redemptions on versions.parsed_redemption_id = changed_redemptions.redemption_id
        where versions._reject_reason is null
        union all
        {%- for input_name, _, happened_at in user_records if input_name in priced_in_usd %}
        -- re-priced by a new rate
        select priced.user_id
        from {{ ref(input_name) }} as priced
        inner join changed_rates on priced.currency = changed_rates.currency
        where priced.{{ happened_at }}::date >= changed_rates.first_changed_rate_date
        union all
        {%- endfor %}
        select user_id from changed_links
        union all
        select user_id from changed_labels
        {%- for input_name, delivered_at, happened_at in user_records %}
        -- seen by the new scans only
        union all
        select seen.user_id
        from {{ ref(input_name) }} as seen
        inner join new_scans_after on greatest(seen.{{ delivered_at }}, seen.{{ happened_at }}) > new_scans_after.scan_at
        {%- endfor %}
        union all
        select unnest([trades.buyer_id, trades.seller_id])
        from {{ ref('stg_trading__trades') }} as trades
        inner join new_scans_after on greatest(trades._batch_at, trades.executed_at) > new_scans_after.scan_at
        union all
        select labels_now.user_id
        from labels_now
        inner join new_scans_after on greatest(labels_now.known_at, labels_now.label_at) > new_scans_after.scan_at
        union all
        select links.user_id
        from {{ ref('int_risk_model__link_history') }} as links
        inner join new_scans_after
            on
                links.visible_from > new_scans_after.scan_at
                or (links.hub_from > new_scans_after.scan_at and links.visible_from < links.hub_from)
        -- every user, when the first scan moved
        union all
        select users.user_id
        from {{ ref('stg_app__users') }} as users
        cross join scan_change
        where scan_change.first_scan_now is distinct from scan_change.first_scan_read
    ),

    listed_users as (
        select distinct user_id from listed
        where user_id is not null
    ),

    usable_links as (
        select
            user_id,
            identifier_hash
        from links_read
        where is_usable
        union all
        select
            user_id,
            identifier_hash
        from links_now
        where is_usable
    ),

    listed_identifiers as (
        select distinct usable_links.identifier_hash
        from usable_links
        inner join listed_users on usable_links.user_id = listed_users.user_id
    ),

    users as (
        select user_id from listed_users
        union all
        select usable_links.user_id
        from usable_links
        inner join listed_identifiers on usable_links.identifier_hash = listed_identifiers.identifier_hash
        union all
        select trades.seller_id
        from {{ ref('stg_trading__trades') }} as trades
        inner join listed_users on trades.buyer_id = listed_users.user_id
        union all
        select trades.buyer_id
        from {{ ref('stg_trading__trades') }} as trades
        inner join listed_users on trades.seller_id = listed_users.user_id
    )

    select distinct user_id
    from users
    where user_id is not null
{%- endmacro %}

{#- The staged models whose deliveries int_risk_model__feature_history keeps track of. -#}
{% macro feature_history_inputs() -%}
    {{- return([
        'stg_app__users', 'stg_events__app_events', 'stg_payments__payment_attempts',
        'stg_payments__payouts', 'stg_promotions__redemptions', 'stg_reference__fx_rates',
        'stg_trading__trades',
    ]) -}}
{%- endmacro %}

{#- The keys of a staging model priced in USD that a run must rank and price again (staging of
    payment attempts, payouts, chargebacks, trades and redemptions): every key with a record in a
    delivery of `base_name` the model has not read (a new version may win), and every staged key of
    a currency on or after the first day whose rate was delivered since (`priced_on`, a date
    expression over the staged row `staged`), as a day takes its own rate or the latest earlier one.
    Every other key keeps its row, which a full build would rank and price the same way. -#}
{% macro priced_keys_to_rebuild(base_name, parsed_key, key_column, priced_on) -%}
    with {{ changed_rates() }}

    select {{ parsed_key }} as {{ key_column }}
    from {{ rows_not_read_yet(base_name) }}
    where _reject_reason is null and {{ parsed_key }} is not null
    union
    select staged.{{ key_column }}
    from {{ this }} as staged
    inner join changed_rates on staged.currency = changed_rates.currency
    where {{ priced_on }} >= changed_rates.first_changed_rate_date
{%- endmacro %}

{#- The users whose row of int_risk__user_event_signals deliveries it has not read can change: a
    row is a function of the user's own events and record (signup time, country, test account),
    and an event keeps its first delivery, so a user with a new event or a new version. -#}
{% macro user_event_signal_users_to_rebuild() -%}
    select user_id from {{ rows_not_read_yet('stg_events__app_events') }}
    where user_id is not null
    union
    select user_id from {{ rows_not_read_yet('stg_app__users') }}
{%- endmacro %}

{#- The staged models whose deliveries int_risk__user_event_signals keeps track of. -#}
{% macro user_event_signal_inputs() -%}
    {{- return(['stg_app__users', 'stg_events__app_events']) -}}
{%- endmacro %}
