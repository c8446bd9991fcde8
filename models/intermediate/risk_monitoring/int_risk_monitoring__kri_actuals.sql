-- The actuals of every key risk indicator (KRI), per period, on a dense spine of UTC days and
-- 4-hour periods (00-04, 04-08, ... UTC) over the data window: one row per period grain x period x
-- KRI x dimension value, zeros where nothing happened. Rates keep their numerator and denominator
-- (summed, never averaged); `events` counts the records behind the figure, for minimum-volume
-- rules. Real users only: test accounts' signups, payments, chargebacks, redemptions and payouts
-- are left out. Each record counts in the period of its own event time.
with data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

grains as (
    select unnest(['day', '4h']) as period_grain
),

periods as (
    select
        'day' as period_grain,
        day_spine.period_start,
        day_spine.period_start + interval 1 day as period_end
    from data_window
    cross join
        generate_series(
            data_window.first_activity_date::timestamp,
            data_window.last_activity_date::timestamp,
            interval 1 day
        ) as day_spine (period_start)
    union all
    select
        '4h' as period_grain,
        four_hour_spine.period_start,
        four_hour_spine.period_start + interval 4 hour as period_end
    from data_window
    cross join
        generate_series(
            data_window.first_activity_date::timestamp,
            data_window.last_activity_date::timestamp + interval 20 hour,
            interval 4 hour
        ) as four_hour_spine (period_start)
),

test_accounts as (
    select user_id from {{ ref('stg_app__users') }}
    where is_test_account
),

signups as (
    select
        signup_at,
        coalesce(acquisition_channel, 'unknown') as acquisition_channel,
        coalesce(acquisition_campaign_id, 'unknown') as affiliate_partner_id
    from {{ ref('dim_users') }}
),

-- the card network from the BIN's leading digits (Visa 4; Mastercard 51-55 and 2221-2720;
-- American Express 34, 37); anything else is `other`
all_attempts as (
    select
        attempts.attempt_id,
        attempts.created_at,
        attempts.status,
        test_accounts.user_id is not null as is_test_account,
        case
            when attempts.card_bin like '4%' then 'visa'
            when
                left(attempts.card_bin, 2) between '51' and '55'
                or left(attempts.card_bin, 4) between '2221' and '2720'
                then 'mastercard'
            when left(attempts.card_bin, 2) in ('34', '37') then 'amex'
            else 'other'
        end as card_network
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    left join test_accounts on attempts.user_id = test_accounts.user_id
),

attempts as (
    select * from all_attempts
    where not is_test_account
),

-- a chargeback whose payment has not been delivered yet counts in the `all` dimension only
chargebacks as (
    select
        chargebacks.received_at,
        disputed.card_network
    from {{ ref('stg_payments__chargebacks') }} as chargebacks
    left join all_attempts as disputed on chargebacks.attempt_id = disputed.attempt_id
    where not coalesce(disputed.is_test_account, false)
),

redemptions as (
    select
        redemptions.redeemed_at,
        coalesce(redemptions.promo_code, 'unknown') as promo_code
    from {{ ref('stg_promotions__redemptions') }} as redemptions
    left join test_accounts on redemptions.user_id = test_accounts.user_id
    where test_accounts.user_id is null
),

payouts as (
    select
        payouts.requested_at,
        payouts.amount_usd
    from {{ ref('stg_payments__payouts') }} as payouts
    left join test_accounts on payouts.user_id = test_accounts.user_id
    where test_accounts.user_id is null
),

-- alerts of the batch strategies (marts.risk_alerts) by the scan that raised them; none about a
-- test account
alerts as (
    select
        alerts.raised_at,
        alerts.strategy_id
    from {{ ref('risk_alerts') }} as alerts
    left join test_accounts on test_accounts.user_id = {{ entity_id_of_type('alerts', 'user') }}
    where test_accounts.user_id is null
),

-- one row per record and KRI it feeds: its time, dimension value, and what it adds to the
-- numerator, the denominator and the record count
kri_records as (
    select
        signup_at as occurred_at,
        'signups' as kri,
        'all' as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from signups
    union all
    select
        signup_at as occurred_at,
        'signups_by_channel' as kri,
        acquisition_channel as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from signups
    union all
    select
        signup_at as occurred_at,
        'signups_by_affiliate_partner' as kri,
        affiliate_partner_id as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from signups
    where acquisition_channel = 'affiliate'
    union all
    select
        created_at as occurred_at,
        'payment_decline_rate' as kri,
        'all' as dimension,
        case when status = 'declined' then 1.0 else 0.0 end as numerator,
        1.0 as denominator,
        case when status = 'declined' then 1 else 0 end as events
    from attempts
    union all
    select
        created_at as occurred_at,
        'chargeback_rate' as kri,
        unnest(['all', card_network]) as dimension,
        0.0 as numerator,
        1.0 as denominator,
        0 as events
    from attempts
    where status = 'succeeded'
    union all
    select
        received_at as occurred_at,
        'chargeback_rate' as kri,
        unnest(case when card_network is null then ['all'] else ['all', card_network] end) as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from chargebacks
    union all
    select
        redeemed_at as occurred_at,
        'bonus_redemptions' as kri,
        'all' as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from redemptions
    union all
    select
        redeemed_at as occurred_at,
        'bonus_redemptions_by_promo_code' as kri,
        promo_code as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from redemptions
    union all
    select
        requested_at as occurred_at,
        'payouts' as kri,
        'all' as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from payouts
    union all
    select
        requested_at as occurred_at,
        'payout_usd' as kri,
        'all' as dimension,
        coalesce(amount_usd, 0)::decimal(38, 6) as numerator,
        0.0 as denominator,
        1 as events
    from payouts
    union all
    select
        raised_at as occurred_at,
        'alerts_by_strategy' as kri,
        strategy_id as dimension,
        1.0 as numerator,
        0.0 as denominator,
        1 as events
    from alerts
),

-- the period of each grain a record falls into; records outside the data window are dropped
bucketed as (
    select
        grains.period_grain,
        case
            when grains.period_grain = 'day' then date_trunc('day', kri_records.occurred_at)
            else time_bucket(interval 4 hour, kri_records.occurred_at)
        end as period_start,
        kri_records.kri,
        kri_records.dimension,
        sum(kri_records.numerator) as numerator,
        sum(kri_records.denominator) as denominator,
        sum(kri_records.events) as events
    from kri_records
    cross join grains
    cross join data_window
    where
        kri_records.occurred_at::date
        between data_window.first_activity_date and data_window.last_activity_date
    group by all
),

-- every strategy of the catalogue has its series, whether or not it has raised an alert yet
kri_dimensions as (
    select distinct
        kri,
        dimension
    from bucketed
    union
    select
        'alerts_by_strategy' as kri,
        strategy_id as dimension
    from {{ ref('risk_strategies') }}
    where enabled
)

select
    periods.period_grain,
    periods.period_start,
    periods.period_end,
    kri_dimensions.kri,
    kri_dimensions.dimension,
    coalesce(bucketed.numerator, 0)::double as numerator,
    coalesce(bucketed.denominator, 0)::double as denominator,
    coalesce(bucketed.events, 0)::bigint as events
from periods
cross join kri_dimensions
left join bucketed
    on
        periods.period_grain = bucketed.period_grain
        and periods.period_start = bucketed.period_start
        and kri_dimensions.kri = bucketed.kri
        and kri_dimensions.dimension = bucketed.dimension
