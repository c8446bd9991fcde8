-- The day-grain time spine MetricFlow joins metrics to (cumulative metrics, gaps filled with zeros).
-- It covers the years the platform can have data for; widen the range when that changes.
with spine_days as (
    select spine_range.date_day
    from range(date '2020-01-01', date '2036-01-01', interval 1 day) as spine_range (date_day)
)

select spine_days.date_day::date as date_day
from spine_days
