-- Payment attempts per UTC day, currency and status, in major units and USD: the figures the
-- payment funnel and KPI marts are built from, compared with DuckDB by `make spark-check`.
select
    cast(created_at as date) as attempt_date,
    currency,
    status,
    count(*) as attempts,
    cast(sum(amount) as decimal(38, 6)) as amount,
    cast(sum(amount_usd) as decimal(38, 6)) as amount_usd
from {{ ref('stg_payments__payment_attempts') }}
group by cast(created_at as date), currency, status
