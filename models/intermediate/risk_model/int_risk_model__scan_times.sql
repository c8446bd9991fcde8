-- The scans of the learned risk score: daily at var t_plus_1_scan_hour_utc (the T+1 cadence), from
-- the first such moment at or after the first delivery up to the latest delivery (a record delivered
-- before the first scan counts from that scan). Training rows are taken
-- at the weekly scans (var risk_model_training_weekday, ISO day of week, default Monday).
with bounds as (
    select
        min(_batch_at) as first_delivery_at,
        max(_batch_at) as data_cutoff
    from {{ ref('stg_events__app_events') }}
),

scans as (
    select
        unnest(generate_series(
            {{ next_scan_at('bounds.first_delivery_at', "'T+1'") }},
            bounds.data_cutoff,
            interval 1 day
        )) as scan_at
    from bounds
)

select
    scans.scan_at,
    isodow(scans.scan_at) = {{ var('risk_model_training_weekday', 1) }} as is_weekly_scan,
    bounds.data_cutoff
from scans
cross join bounds
