-- Marketplace listing activity per UTC day, dense over the days of data: listing views (from
-- listing_viewed app events, the listing id in the event's properties), the listings and viewers
-- behind them, listings first seen that day (first view or trade), and the trades, units and GMV
-- they turned into. Test accounts' views and trades are left out; anonymous (pre-signup) views
-- count as views but not as viewers.
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

views as (
    select
        events.occurred_at::date as date_day,
        events.user_id,
        nullif(trim(json_extract_string(events.properties, '$.listing_id')), '') as listing_id
    from {{ ref('stg_events__app_events') }} as events
    left join test_accounts on events.user_id = test_accounts.user_id
    where events.event_type = 'listing_viewed' and test_accounts.user_id is null
),

trades as (
    select
        executed_at::date as date_day,
        listing_id,
        quantity,
        gross_amount_usd
    from {{ ref('int_trades__excluding_test_accounts') }}
),

first_seen as (
    select
        listing_id,
        min(date_day) as first_seen_date
    from (
        select
            listing_id,
            date_day
        from views
        union all
        select
            listing_id,
            date_day
        from trades
    ) as sightings
    where listing_id is not null
    group by listing_id
),

daily_views as (
    select
        date_day,
        count(*) as listing_views,
        count(distinct listing_id) as listings_viewed,
        count(distinct user_id) as viewing_users
    from views
    group by all
),

daily_trades as (
    select
        date_day,
        count(*) as trades,
        count(distinct listing_id) as listings_traded,
        sum(quantity) as units_traded,
        sum(gross_amount_usd) as gmv_usd
    from trades
    group by all
),

new_listings as (
    select
        first_seen_date as date_day,
        count(*) as listings_first_seen
    from first_seen
    group by all
)

select
    spine.date_day::date as date_day,
    coalesce(daily_views.listing_views, 0)::bigint as listing_views,
    coalesce(daily_views.listings_viewed, 0)::bigint as listings_viewed,
    coalesce(daily_views.viewing_users, 0)::bigint as viewing_users,
    coalesce(new_listings.listings_first_seen, 0)::bigint as listings_first_seen,
    coalesce(daily_trades.trades, 0)::bigint as trades,
    coalesce(daily_trades.listings_traded, 0)::bigint as listings_traded,
    coalesce(daily_trades.units_traded, 0)::bigint as units_traded,
    (coalesce(daily_trades.gmv_usd, 0))::decimal(18, 6) as gmv_usd,
    (daily_trades.trades / nullif(daily_views.listing_views, 0))::double as trades_per_view
from spine
left join daily_views on spine.date_day = daily_views.date_day
left join daily_trades on spine.date_day = daily_trades.date_day
left join new_listings on spine.date_day = new_listings.date_day
