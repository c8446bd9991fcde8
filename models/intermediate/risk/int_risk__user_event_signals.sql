{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ list_keys_to_rebuild(user_event_signal_users_to_rebuild()) }}",
            "{{ delete_keys_to_rebuild(['user_id']) }}",
        ],
        post_hook="{{ remember_deliveries_read(user_event_signal_inputs()) }}"
    )
}}
-- One row per real user with app events: what their logins, devices and account changes say about
-- risk (read by int_risk__user_signals), using only records delivered by the cutoff (var
-- risk_as_of, default: everything delivered). Peaks are over event time (the most failed logins
-- in any hour), so they mean the same whenever the scan runs.
-- Incremental by user: a user's row depends on the user's own events and record alone, so a run
-- rebuilds the users with a new event or a new version (macros/incremental/keys_to_rebuild.sql).
with users as (
    select * from {{ ref('stg_app__users') }}
    where
        not is_test_account and {{ known_by_cutoff('_first_batch_at') }}
        and {{ among_keys_to_rebuild('user_id', 'user_id') }}
),

-- each event carries its user's signup time and country, so no later step joins the users again
events as (
    select
        events.*,
        users.created_at as user_created_at,
        users.country_code as user_country_code
    from {{ ref('stg_events__app_events') }} as events
    inner join users on events.user_id = users.user_id
    where {{ known_by_cutoff('events._batch_at', 'events.occurred_at') }}
),

-- per user and device, then per user: joining every event back to its device's first use took
-- half of the signals' time at 500k users
user_devices as (
    select
        user_id,
        device_id,
        user_created_at,
        min(occurred_at) as first_used_at,
        bool_or(event_type in ('login', 'login_failed', 'password_reset')) as has_account_event
    from events
    where device_id is not null
    group by user_id, device_id, user_created_at
),

device_signals as (
    select
        user_id,
        count(*) as devices_used,
        count(*) filter (
            where has_account_event and first_used_at > user_created_at + interval 1 day
        ) as new_devices_after_signup
    from user_devices
    group by user_id
),

failed_login_windows as (
    select
        user_id,
        count(*) over (
            partition by user_id order by occurred_at
            range between interval 1 hour preceding and current row
        ) as failed_in_hour
    from events
    where event_type = 'login_failed'
),

failed_login_peaks as (
    select
        user_id,
        max(failed_in_hour) as max_failed_logins_in_hour
    from failed_login_windows
    group by user_id
),

login_signals as (
    select
        user_id,
        count(*) filter (where event_type = 'login') as logins,
        count(*) filter (where event_type = 'login_failed') as failed_logins,
        count(*) filter (where event_type = 'password_reset') as password_resets,
        count(*) filter (where event_type = 'payout_method_added') as payout_methods_added,
        count(distinct country_code) as event_countries,
        count(*) filter (
            where event_type = 'login' and country_code <> user_country_code
        ) as logins_from_other_country,
        min(occurred_at) filter (where event_type = 'password_reset') as first_password_reset_at
    from events
    group by user_id
)

select
    login_signals.user_id,
    login_signals.logins,
    login_signals.failed_logins,
    coalesce(failed_login_peaks.max_failed_logins_in_hour, 0) as max_failed_logins_in_hour,
    login_signals.password_resets,
    login_signals.payout_methods_added,
    coalesce(device_signals.devices_used, 0) as devices_used,
    login_signals.event_countries,
    coalesce(device_signals.new_devices_after_signup, 0) as new_devices_after_signup,
    login_signals.logins_from_other_country,
    login_signals.first_password_reset_at
from login_signals
left join device_signals on login_signals.user_id = device_signals.user_id
left join failed_login_peaks on login_signals.user_id = failed_login_peaks.user_id
