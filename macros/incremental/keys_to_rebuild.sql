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
{% macro changed_input_ctes() -%}
    changed_users as (
        select user_id from {{ rows_not_read_yet('stg_app__users') }}
    ),

    changed_rates as (
        select
            currency,
            min(rate_date) as first_changed_rate_date
        from {{ rows_not_read_yet('stg_reference__fx_rates') }}
        group by currency
    ),

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

    changed_payouts as (
        select payout_id from {{ rows_not_read_yet('stg_payments__payouts') }}
    ),

    users as (
        select user_id from changed_users
        union all
        select user_id from {{ rows_not_read_yet('stg_events__app_events') }}
        union all
        select user_id from {{ rows_not_read_yet('stg_payments__payment_attempts') }}
        union all
        select {{ clean_text('versions.user_id') }}
        from {{ ref('base_payments__payouts') }} as versions
        inner join changed_payouts on versions.parsed_payout_id = changed_payouts.payout_id
        where versions._reject_reason is null
        union all
        select buyer_id from changed_trades
        union all
        select seller_id from changed_trades
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
