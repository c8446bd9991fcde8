{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(user_activity_fact_days_to_rebuild()) }}",
            "{{ delete_keys_to_rebuild(['user_id', 'activity_date']) }}",
        ],
        post_hook="{{ remember_deliveries_read(user_activity_inputs()) }}"
    )
}}
{%- set changed_days_only = rebuilds_changed_keys_only() -%}
-- One row per real user and UTC day on which the user was active: an app event of the types in
-- var active_event_types ({{ var('active_event_types') | join(', ') }}), a trade as buyer or seller,
-- or a payment attempt. The base of DAU / WAU / MAU and of retention; revenue is the user's half of
-- the platform fee of each trade.
-- Incremental by key, like int_users__activity_daily: a run rebuilds the user-days new deliveries
-- can change and every row of a user whose acquisition outcome changed
-- (macros/incremental/keys_to_rebuild.sql).
with {% if changed_days_only -%}
days_to_rebuild as (
    select * from {{ keys_to_rebuild() }}
),

{% endif -%}
activity as (
    select activity.*
    from {{ ref('int_users__activity_daily') }} as activity
    {%- if changed_days_only %}
    inner join days_to_rebuild
        on activity.user_id = days_to_rebuild.user_id and activity.activity_date = days_to_rebuild.activity_date
    {%- endif %}
),

outcomes as (
    select
        user_id,
        signup_date,
        acquisition_channel,
        is_fraud
    from {{ ref('int_users__acquisition_outcomes') }}
)

select
    activity.user_id::varchar as user_id,
    activity.activity_date::date as activity_date,
    outcomes.signup_date::date as signup_date,
    (activity.activity_date - outcomes.signup_date)::integer as days_since_signup,
    outcomes.acquisition_channel::varchar as acquisition_channel,
    coalesce(outcomes.is_fraud, false) as is_fraud,
    activity.session_events::bigint as session_events,
    activity.trades_bought::bigint as trades_bought,
    activity.trades_sold::bigint as trades_sold,
    activity.payment_attempts::bigint as payment_attempts,
    activity.successful_payments::bigint as successful_payments,
    activity.successful_payment_amount_usd::decimal(18, 6) as successful_payment_amount_usd,
    activity.gmv_bought_usd::decimal(18, 6) as gmv_bought_usd,
    activity.gmv_sold_usd::decimal(18, 6) as gmv_sold_usd,
    activity.revenue_usd::decimal(18, 6) as revenue_usd
from activity
left join outcomes on activity.user_id = outcomes.user_id
