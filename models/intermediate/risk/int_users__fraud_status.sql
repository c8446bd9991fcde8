-- Which users turned out fraudulent, and how we know: a `fraudulent` chargeback on one of their
-- payments, or an investigation closed as confirmed_fraud. This is the one definition of "fraud"
-- that the acquisition marts net out; the risk marts add users in flagged groups.
with users as (
    select user_id from {{ ref('stg_app__users') }}
),

fraud_chargebacks as (
    select
        attempts.user_id,
        min(chargebacks.received_at) as first_fraud_chargeback_at,
        count(*) as fraud_chargebacks
    from {{ ref('stg_payments__chargebacks') }} as chargebacks
    inner join {{ ref('stg_payments__payment_attempts') }} as attempts
        on chargebacks.attempt_id = attempts.attempt_id
    where chargebacks.reason = 'fraudulent'
    group by attempts.user_id
),

flagged_group_members as (
    select members.user_id
    from {{ ref('risk_group_members') }} as members
    inner join {{ ref('risk_groups') }} as risk_groups on members.group_id = risk_groups.group_id
    where risk_groups.is_flagged
),

confirmed_cases as (
    select
        user_id,
        min(closed_at) as first_confirmed_at,
        count(*) as confirmed_cases
    from {{ ref('stg_risk__case_outcomes') }}
    where outcome = 'confirmed_fraud'
    group by user_id
)

select
    users.user_id,
    coalesce(fraud_chargebacks.fraud_chargebacks, 0) as fraud_chargebacks,
    fraud_chargebacks.first_fraud_chargeback_at,
    coalesce(confirmed_cases.confirmed_cases, 0) as confirmed_fraud_cases,
    confirmed_cases.first_confirmed_at as first_confirmed_fraud_at,
    fraud_chargebacks.user_id is not null or confirmed_cases.user_id is not null as is_confirmed_fraud,
    flagged_group_members.user_id is not null as is_in_flagged_group,
    fraud_chargebacks.user_id is not null
    or confirmed_cases.user_id is not null
    or flagged_group_members.user_id is not null as is_fraud
from users
left join fraud_chargebacks on users.user_id = fraud_chargebacks.user_id
left join confirmed_cases on users.user_id = confirmed_cases.user_id
left join flagged_group_members on users.user_id = flagged_group_members.user_id
