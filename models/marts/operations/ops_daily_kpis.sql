-- How the platform is running, one row per UTC day on a dense spine from the first to the last
-- day of data (days without activity show zeros). Real users only: internal test accounts, and
-- trades, payments, payouts and tickets of test accounts, are left out. Ratios are stored with
-- their numerator and denominator; aggregate those, never the ratios.
with data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

spine as (
    select spine_days.date_day::date as date_day
    from data_window
    cross join
        generate_series(
            data_window.first_activity_date, data_window.last_activity_date, interval '1 day'
        ) as spine_days (date_day)
),

test_accounts as (
    select user_id from {{ ref('stg_app__users') }}
    where is_test_account
),

new_users as (
    select
        signup_at::date as date_day,
        count(*) as new_users
    from {{ ref('dim_users') }}
    group by all
),

activity as (
    select
        user_id,
        activity_date
    from {{ ref('int_users__activity_daily') }}
),

-- DAU, WAU and MAU: users active on at least one of the 1, 7 or 30 days up to and including the
-- day. Per user, activity days at most a window apart cover one unbroken stretch of days; a
-- stretch adds one from its first day and takes it away after its last, and a running sum over
-- the spine counts the users. Linear in the activity, where joining each day to every activity
-- in its window made 30 rows per user-day.
active_user_windows as (
    select
        windows.measure,
        windows.window_days
    from (values ('dau', 1), ('wau', 7), ('mau', 30)) as windows (measure, window_days)
),

activity_gaps as (
    select
        user_id,
        activity_date,
        activity_date - lag(activity_date) over (partition by user_id order by activity_date) as days_since_previous
    from activity
),

stretch_numbers as (
    select
        active_user_windows.measure,
        active_user_windows.window_days,
        activity_gaps.user_id,
        activity_gaps.activity_date,
        count(*) filter (
            where activity_gaps.days_since_previous is null
            or activity_gaps.days_since_previous > active_user_windows.window_days
        ) over (
            partition by active_user_windows.measure, activity_gaps.user_id
            order by activity_gaps.activity_date
            rows between unbounded preceding and current row
        ) as stretch_number
    from activity_gaps
    cross join active_user_windows
),

stretches as (
    select
        measure,
        min(activity_date) as counted_from,
        max(activity_date) + max(window_days) as counted_until
    from stretch_numbers
    group by measure, user_id, stretch_number
),

active_user_deltas as (
    select
        measure,
        counted_from as date_day,
        1 as users_delta
    from stretches
    union all
    select
        measure,
        counted_until as date_day,
        -1 as users_delta
    from stretches
),

active_user_delta_days as (
    select
        date_day,
        coalesce(sum(users_delta) filter (where measure = 'dau'), 0) as dau_delta,
        coalesce(sum(users_delta) filter (where measure = 'wau'), 0) as wau_delta,
        coalesce(sum(users_delta) filter (where measure = 'mau'), 0) as mau_delta
    from active_user_deltas
    group by date_day
),

active_users as (
    select
        spine.date_day,
        sum(coalesce(active_user_delta_days.dau_delta, 0)) over running_days as dau,
        sum(coalesce(active_user_delta_days.wau_delta, 0)) over running_days as wau,
        sum(coalesce(active_user_delta_days.mau_delta, 0)) over running_days as mau
    from spine
    left join active_user_delta_days on spine.date_day = active_user_delta_days.date_day
    window running_days as (order by spine.date_day rows between unbounded preceding and current row)
),

trades as (
    select
        executed_at::date as date_day,
        count(*) as trades,
        sum(gross_amount_usd) as gmv_usd,
        sum(fee_usd) as fees_usd
    from {{ ref('int_trades__excluding_test_accounts') }}
    group by all
),

payment_attempts as (
    select attempts.*
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    left join test_accounts on attempts.user_id = test_accounts.user_id
    where test_accounts.user_id is null
),

payments as (
    select
        created_at::date as date_day,
        count(*) as payment_attempts,
        count(*) filter (where status = 'succeeded') as successful_payments,
        count(*) filter (where purpose = 'topup') as topup_attempts,
        count(*) filter (where purpose = 'topup' and status = 'succeeded') as successful_topups,
        coalesce(sum(amount_usd) filter (where purpose = 'topup' and status = 'succeeded'), 0)
            as topup_volume_usd
    from payment_attempts
    group by all
),

chargebacks as (
    select
        chargebacks.received_at::date as date_day,
        count(*) as chargebacks,
        count(*) filter (where chargebacks.reason = 'fraudulent') as fraud_chargebacks,
        sum(chargebacks.amount_usd) as chargeback_amount_usd
    from {{ ref('stg_payments__chargebacks') }} as chargebacks
    left join {{ ref('stg_payments__payment_attempts') }} as attempts
        on chargebacks.attempt_id = attempts.attempt_id
    left join test_accounts on attempts.user_id = test_accounts.user_id
    where test_accounts.user_id is null
    group by chargebacks.received_at::date
),

payouts_requested as (
    select payouts.*
    from {{ ref('stg_payments__payouts') }} as payouts
    left join test_accounts on payouts.user_id = test_accounts.user_id
    where test_accounts.user_id is null
),

payouts as (
    select
        requested_at::date as date_day,
        count(*) as payouts_requested,
        sum(amount_usd) as payout_requested_amount_usd,
        count(*) filter (where status = 'paid') as payouts_paid,
        coalesce(sum(amount_usd) filter (where status = 'paid'), 0) as payout_paid_amount_usd,
        count(*) filter (where status = 'rejected') as payouts_rejected
    from payouts_requested
    group by all
),

tickets as (
    select tickets.*
    from {{ ref('stg_support__tickets') }} as tickets
    left join test_accounts on tickets.user_id = test_accounts.user_id
    where test_accounts.user_id is null
),

tickets_created as (
    select
        created_at::date as date_day,
        count(*) as tickets_created
    from tickets
    group by all
),

tickets_solved as (
    select
        resolved_at::date as date_day,
        count(*) as tickets_solved,
        count(*) filter (where resolution = 'refunded') as refunds,
        median(date_diff('second', created_at, resolved_at) / 3600.0) as median_resolution_hours,
        count(csat) as csat_responses,
        coalesce(sum(csat), 0) as csat_score_sum
    from tickets
    where status = 'solved' and resolved_at is not null
    group by all
)

select
    spine.date_day::date as date_day,
    coalesce(new_users.new_users, 0)::bigint as new_users,
    coalesce(active_users.dau, 0)::bigint as dau,
    coalesce(active_users.wau, 0)::bigint as wau,
    coalesce(active_users.mau, 0)::bigint as mau,
    coalesce(trades.trades, 0)::bigint as trades,
    coalesce(trades.gmv_usd, 0)::decimal(18, 6) as gmv_usd,
    coalesce(trades.fees_usd, 0)::decimal(18, 6) as fees_usd,
    (trades.fees_usd / nullif(trades.gmv_usd, 0))::double as take_rate,
    coalesce(payments.payment_attempts, 0)::bigint as payment_attempts,
    coalesce(payments.successful_payments, 0)::bigint as successful_payments,
    (payments.successful_payments / nullif(payments.payment_attempts, 0))::double as payment_success_rate,
    coalesce(payments.topup_attempts, 0)::bigint as topup_attempts,
    coalesce(payments.successful_topups, 0)::bigint as successful_topups,
    (payments.successful_topups / nullif(payments.topup_attempts, 0))::double as topup_success_rate,
    coalesce(payments.topup_volume_usd, 0)::decimal(18, 6) as topup_volume_usd,
    coalesce(tickets_solved.refunds, 0)::bigint as refunds,
    coalesce(chargebacks.chargebacks, 0)::bigint as chargebacks,
    coalesce(chargebacks.fraud_chargebacks, 0)::bigint as fraud_chargebacks,
    coalesce(chargebacks.chargeback_amount_usd, 0)::decimal(18, 6) as chargeback_amount_usd,
    coalesce(payouts.payouts_requested, 0)::bigint as payouts_requested,
    coalesce(payouts.payout_requested_amount_usd, 0)::decimal(18, 6) as payout_requested_amount_usd,
    coalesce(payouts.payouts_paid, 0)::bigint as payouts_paid,
    coalesce(payouts.payout_paid_amount_usd, 0)::decimal(18, 6) as payout_paid_amount_usd,
    coalesce(payouts.payouts_rejected, 0)::bigint as payouts_rejected,
    coalesce(tickets_created.tickets_created, 0)::bigint as tickets_created,
    coalesce(tickets_solved.tickets_solved, 0)::bigint as tickets_solved,
    tickets_solved.median_resolution_hours::double as median_resolution_hours,
    coalesce(tickets_solved.csat_responses, 0)::bigint as csat_responses,
    coalesce(tickets_solved.csat_score_sum, 0)::bigint as csat_score_sum,
    (tickets_solved.csat_score_sum / nullif(tickets_solved.csat_responses, 0))::double as avg_csat
from spine
left join new_users on spine.date_day = new_users.date_day
left join active_users on spine.date_day = active_users.date_day
left join trades on spine.date_day = trades.date_day
left join payments on spine.date_day = payments.date_day
left join chargebacks on spine.date_day = chargebacks.date_day
left join payouts on spine.date_day = payouts.date_day
left join tickets_created on spine.date_day = tickets_created.date_day
left join tickets_solved on spine.date_day = tickets_solved.date_day
