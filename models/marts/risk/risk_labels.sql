-- Every fraud outcome the platform learns, one row per label: fraudulent chargebacks (they arrive
-- 5-120 days after the payment), investigations closed as confirmed_fraud or false_positive, and
-- account-takeover reports (fraud_report tickets, filed by the victim). `known_at` is when the
-- label was delivered (a chargeback names its user through its payment attempt, which can arrive
-- after it: the later of the two deliveries); a user's labels are mature once 120 days have
-- passed since their last payment, because a chargeback can still arrive until then.
with users as (
    select user_id from {{ ref('stg_app__users') }}
    where not is_test_account
),

cutoff as (
    select max(_batch_at) as data_cutoff from {{ ref('stg_events__app_events') }}
),

last_payments as (
    select
        user_id,
        max(created_at) as last_payment_at
    from {{ ref('stg_payments__payment_attempts') }}
    where status = 'succeeded'
    group by user_id
),

labels as (
    select
        'fraudulent_chargeback' as label_type,
        chargebacks.chargeback_id as source_id,
        attempts.user_id,
        chargebacks.received_at as label_at,
        greatest(chargebacks._batch_at, attempts._first_batch_at) as known_at,
        true as is_fraud_label,
        chargebacks.amount_usd
    from {{ ref('stg_payments__chargebacks') }} as chargebacks
    inner join {{ ref('stg_payments__payment_attempts') }} as attempts
        on chargebacks.attempt_id = attempts.attempt_id
    where chargebacks.reason = 'fraudulent'
    union all
    select
        case outcome when 'confirmed_fraud' then 'confirmed_fraud_case' else 'false_positive_case' end as label_type,
        case_id,
        user_id,
        closed_at,
        _batch_at,
        outcome = 'confirmed_fraud' as is_fraud_label,
        null as amount_usd
    from {{ ref('stg_risk__case_outcomes') }}
    where outcome in ('confirmed_fraud', 'false_positive') and closed_at is not null
    union all
    select
        'account_takeover_report' as label_type,
        ticket_id,
        user_id,
        created_at,
        _first_batch_at,
        true as is_fraud_label,
        null as amount_usd
    from {{ ref('stg_support__tickets') }}
    where category = 'fraud_report'
)

select
    md5(labels.label_type || ':' || labels.source_id) as label_id,
    labels.label_type,
    labels.source_id,
    labels.user_id,
    labels.label_at,
    labels.known_at,
    labels.is_fraud_label,
    cast(labels.amount_usd as decimal(18, 2)) as amount_usd,
    last_payments.last_payment_at + interval 120 days as label_window_closes_at,
    last_payments.last_payment_at is null
    or last_payments.last_payment_at + interval 120 days <= cutoff.data_cutoff as is_mature
from labels
inner join users on labels.user_id = users.user_id
cross join cutoff
left join last_payments on labels.user_id = last_payments.user_id
