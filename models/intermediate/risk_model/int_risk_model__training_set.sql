-- The training rows of the learned risk score: every real user at every daily scan, with the
-- point-in-time features of that scan and the label as it stood when the label window closed: a
-- fraud label of risk_labels (fraudulent chargeback, confirmed case, account-takeover report) that
-- happened by the window's end (scan + var risk_model_label_window_days) and had been delivered by
-- then. A retraining at moment R takes the scans R - 7k days whose windows have closed by R (one row
-- per user and week, aligned on R), trains on the earlier weeks and validates on the latest - by
-- time, never at random.
with snapshots as (
    select * from {{ ref('int_risk_model__user_snapshots') }}
),

cutoff as (
    select max(data_cutoff) as data_cutoff from {{ ref('int_risk_model__scan_times') }}
),

windows as (
    select
        snapshots.user_id,
        snapshots.scan_at,
        snapshots.scan_at + interval '{{ var("risk_model_label_window_days", 28) }} days' as label_window_closes_at
    from snapshots
),

labels as (
    select
        windows.user_id,
        windows.scan_at,
        min(labels.known_at) as label_known_at
    from windows
    inner join {{ ref('risk_labels') }} as labels
        on windows.user_id = labels.user_id
        and labels.is_fraud_label
        and labels.label_at <= windows.label_window_closes_at
        and labels.known_at <= windows.label_window_closes_at
    group by windows.user_id, windows.scan_at
)

select
    snapshots.*,
    windows.label_window_closes_at,
    windows.label_window_closes_at <= cutoff.data_cutoff as is_label_window_closed,
    labels.label_known_at is not null as is_fraud_label,
    labels.label_known_at
from snapshots
inner join windows on snapshots.user_id = windows.user_id and snapshots.scan_at = windows.scan_at
cross join cutoff
left join labels on snapshots.user_id = labels.user_id and snapshots.scan_at = labels.scan_at
