-- Card testing: var card_testing_attempts_per_hour or more payment attempts within one hour.
-- The condition first holds at the attempt that completes such an hour; it is known once every
-- attempt of that hour has been delivered.
with users as (
    select user_id from {{ ref('stg_app__users') }}
    where not is_test_account
),

attempts as (
    select attempts.*
    from {{ ref('stg_payments__payment_attempts') }} as attempts
    inner join users on attempts.user_id = users.user_id
),

hourly as (
    select
        user_id,
        created_at,
        count(*) over last_hour as attempts_in_hour,
        count(*) filter (where status = 'declined') over last_hour as declines_in_hour,
        count(*) filter (where amount_usd < 5) over last_hour as small_in_hour,
        max(_batch_at) over last_hour as hour_known_at
    from attempts
    window last_hour as (
        partition by user_id order by created_at
        range between interval 1 hour preceding and current row
    )
),

hits as (
    select
        user_id,
        min(hour_known_at) as condition_met_at,
        max(attempts_in_hour) as peak_attempts_in_hour,
        -- both describe the same window: the earliest one with the peak count
        arg_max(declines_in_hour, (attempts_in_hour, -epoch(created_at))) as declines_in_peak_hour,
        arg_max(small_in_hour, (attempts_in_hour, -epoch(created_at))) as small_in_peak_hour
    from hourly
    where attempts_in_hour >= {{ var('card_testing_attempts_per_hour') }}
    group by user_id
),

cards as (
    select
        user_id,
        count(distinct card_fingerprint) as distinct_cards,
        coalesce(sum(amount_usd) filter (where status = 'succeeded'), 0) as succeeded_usd
    from attempts
    group by user_id
)

select
    'usr_card_testing' as strategy_id,
    'user' as entity_type,
    hits.user_id as entity_id,
    hits.condition_met_at,
    least(100.0, 40 + 2.0 * hits.peak_attempts_in_hour) as score,
    cards.succeeded_usd as money_at_risk_usd,
    hits.peak_attempts_in_hour || ' payment attempts in one hour (' || hits.declines_in_peak_hour
    || ' declined, ' || hits.small_in_peak_hour || ' under 5 USD) across ' || cards.distinct_cards
    || ' cards' as reason
from hits
inner join cards on hits.user_id = cards.user_id
