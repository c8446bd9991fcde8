-- Every day from a currency's first rate to the last rate date of the zone (plus a week, for
-- late facts), with the day's rate or the latest earlier one: the engine-neutral replacement of
-- DuckDB's ASOF join (an equi-join on currency and day works on every engine).
with bounds as (
    select
        currency,
        min(rate_date) as first_day,
        date_add(max(max(rate_date)) over (), 7) as last_day
    from {{ ref('stg_reference__fx_rates') }}
    group by currency
),

days as (
    select
        currency,
        rate_day
    from bounds
    lateral view explode(sequence(first_day, last_day, interval 1 day)) exploded as rate_day
)

select
    days.currency,
    days.rate_day,
    max_by(fx_rates.usd_per_unit, fx_rates.rate_date) as usd_per_unit
from days
inner join {{ ref('stg_reference__fx_rates') }} as fx_rates
    on days.currency = fx_rates.currency
    and fx_rates.rate_date <= days.rate_day
group by days.currency, days.rate_day
