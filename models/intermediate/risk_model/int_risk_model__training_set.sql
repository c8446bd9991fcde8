{%- set snapshot_columns = [
    'user_id',
    'scan_at',
    'account_age_days',
    'payment_attempts',
    'declined_attempts',
    'succeeded_attempts',
    'suspicious_declines',
    'small_attempts',
    'topup_usd',
    'distinct_cards',
    'distinct_card_bins',
    'distinct_card_countries',
    'logins',
    'failed_logins',
    'password_resets',
    'payout_methods_added',
    'foreign_logins',
    'devices_used',
    'event_countries',
    'payouts',
    'payout_usd',
    'payout_accounts',
    'trades_sold',
    'sold_usd',
    'trades_bought',
    'bought_usd',
    'distinct_buyers',
    'distinct_sellers',
    'distinct_new_buyers',
    'distinct_risky_buyers',
    'mutual_counterparties',
    'labelled_counterparties',
    'bonus_redemptions',
    'bonus_usd',
    'fraud_chargebacks',
    'confirmed_fraud_cases',
    'false_positive_cases',
    'takeover_reports',
    'users_sharing_strong',
    'users_sharing_ip',
    'users_sharing_referral',
    'linked_labelled_users',
    'linked_risky_users',
    'in_flagged_group',
    'max_attempts_in_hour',
    'max_failed_logins_in_hour',
    'features_known_through',
] -%}
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
        on
            windows.user_id = labels.user_id
            and labels.is_fraud_label
            and windows.label_window_closes_at >= labels.label_at
            and windows.label_window_closes_at >= labels.known_at
    group by windows.user_id, windows.scan_at
)

select
    {%- for column in snapshot_columns %}
        snapshots.{{ column }},
    {%- endfor %}
    windows.label_window_closes_at,
    windows.label_window_closes_at <= cutoff.data_cutoff as is_label_window_closed,
    labels.label_known_at is not null as is_fraud_label,
    labels.label_known_at
from snapshots
inner join windows on snapshots.user_id = windows.user_id and snapshots.scan_at = windows.scan_at
cross join cutoff
left join labels on snapshots.user_id = labels.user_id and snapshots.scan_at = labels.scan_at
