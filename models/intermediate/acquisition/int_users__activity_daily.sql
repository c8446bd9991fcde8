{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(user_activity_days_to_rebuild()) }}",
            "{{ delete_keys_to_rebuild(['user_id', 'activity_date']) }}",
        ],
        post_hook="{{ remember_deliveries_read(user_activity_inputs()) }}"
    )
}}
{%- set active_event_types = "'" ~ var('active_event_types') | join("', '") ~ "'" -%}
{%- set changed_days_only = rebuilds_changed_keys_only() -%}
-- One row per real user and UTC day on which the user did something. "Active" means at least one
-- app event of the types in var active_event_types ({{ var('active_event_types') | join(', ') }}),
-- a trade as buyer or seller, or a payment attempt (whatever its outcome).
-- Revenue is the platform's fee revenue credited to the user: half the USD fee of every trade the
-- user bought or sold in (the other half goes to the counterparty). Trades with an internal test
-- account on either side count for nobody.
-- Incremental by key: a run rebuilds only the user-days that new deliveries can change
-- (macros/incremental/keys_to_rebuild.sql), the other rows are kept.
with {% if changed_days_only -%}
days_to_rebuild as (
    select * from {{ keys_to_rebuild() }}
),

{% endif -%}
users as (
    select user_id from {{ ref('stg_app__users') }}
    where not is_test_account
),

session_days as (
    select
        events.user_id,
        events.occurred_at::date as activity_date,
        count(*) as session_events
    from {{ ref('stg_events__app_events') }} as events
    {%- if changed_days_only %}
    inner join days_to_rebuild
        on events.user_id = days_to_rebuild.user_id and events.occurred_at::date = days_to_rebuild.activity_date
    {%- endif %}
    where
        events.user_id is not null
        and events.event_type in ({{ active_event_types }})
    group by all
),

trades as (
    select * from {{ ref('int_trades__excluding_test_accounts') }}
),

trade_sides as (
    select
        buyer_id as user_id,
        executed_at,
        1 as bought,
        0 as sold,
        gross_amount_usd,
        fee_usd
    from trades
    union all
    select
        seller_id as user_id,
        executed_at,
        0 as bought,
        1 as sold,
        gross_amount_usd,
        fee_usd
    from trades
),

trade_days as (
    select
        trade_sides.user_id,
        trade_sides.executed_at::date as activity_date,
        sum(trade_sides.bought) as trades_bought,
        sum(trade_sides.sold) as trades_sold,
        sum(trade_sides.gross_amount_usd * trade_sides.bought) as gmv_bought_usd,
        sum(trade_sides.gross_amount_usd * trade_sides.sold) as gmv_sold_usd,
        sum(trade_sides.fee_usd * 0.5) as revenue_usd
    from trade_sides
    {%- if changed_days_only %}
    inner join days_to_rebuild
        on trade_sides.user_id = days_to_rebuild.user_id and trade_sides.executed_at::date = days_to_rebuild.activity_date
    {%- endif %}
    where trade_sides.user_id is not null
    group by all
),

payment_days as (
    select
        attempts.user_id,
        attempts.created_at::date as activity_date,
        count(*) as payment_attempts,
        count(*) filter (where attempts.status = 'succeeded') as successful_payments,
        coalesce(sum(attempts.amount_usd) filter (where attempts.status = 'succeeded'), 0)
            as successful_payment_amount_usd
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    {%- if changed_days_only %}
    inner join days_to_rebuild
        on attempts.user_id = days_to_rebuild.user_id and attempts.created_at::date = days_to_rebuild.activity_date
    {%- endif %}
    where attempts.user_id is not null
    group by all
),

user_days as (
    select
        user_id,
        activity_date
    from session_days
    union
    select
        user_id,
        activity_date
    from trade_days
    union
    select
        user_id,
        activity_date
    from payment_days
)

select
    user_days.user_id,
    user_days.activity_date,
    coalesce(session_days.session_events, 0) as session_events,
    coalesce(trade_days.trades_bought, 0) as trades_bought,
    coalesce(trade_days.trades_sold, 0) as trades_sold,
    coalesce(payment_days.payment_attempts, 0) as payment_attempts,
    coalesce(payment_days.successful_payments, 0) as successful_payments,
    coalesce(payment_days.successful_payment_amount_usd, 0) as successful_payment_amount_usd,
    coalesce(trade_days.gmv_bought_usd, 0) as gmv_bought_usd,
    coalesce(trade_days.gmv_sold_usd, 0) as gmv_sold_usd,
    coalesce(trade_days.revenue_usd, 0) as revenue_usd
from user_days
inner join users on user_days.user_id = users.user_id
left join session_days
    on user_days.user_id = session_days.user_id and user_days.activity_date = session_days.activity_date
left join trade_days
    on user_days.user_id = trade_days.user_id and user_days.activity_date = trade_days.activity_date
left join payment_days
    on user_days.user_id = payment_days.user_id and user_days.activity_date = payment_days.activity_date
