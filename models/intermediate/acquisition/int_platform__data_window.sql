-- The days the warehouse has data for, as one row: from the first to the last day with any
-- server-side activity (event receipt, signup, trade, payment attempt, chargeback, payout,
-- ticket). Dense date spines run over it; a cohort measure is complete once its window ends on or
-- before last_activity_date.
with activity_days as (
    select
        min(received_at)::date as first_day,
        max(received_at)::date as last_day
    from {{ ref('stg_events__app_events') }}
    union all
    select
        min(executed_at)::date as first_day,
        max(executed_at)::date as last_day
    from {{ ref('stg_trading__trades') }}
    union all
    select
        min(created_at)::date as first_day,
        max(created_at)::date as last_day
    from {{ ref('stg_payments__payment_attempts') }}
    union all
    select
        min(created_at)::date as first_day,
        max(created_at)::date as last_day
    from {{ ref('stg_app__users') }}
    where not is_test_account
    union all
    select
        min(received_at)::date as first_day,
        max(received_at)::date as last_day
    from {{ ref('stg_payments__chargebacks') }}
    union all
    select
        min(requested_at)::date as first_day,
        max(requested_at)::date as last_day
    from {{ ref('stg_payments__payouts') }}
    union all
    select
        min(created_at)::date as first_day,
        greatest(max(created_at), max(resolved_at))::date as last_day
    from {{ ref('stg_support__tickets') }}
)

select
    min(first_day) as first_activity_date,
    max(last_day) as last_activity_date
from activity_days
