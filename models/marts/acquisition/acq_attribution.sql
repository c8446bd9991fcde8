{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ rebuild_keys_with_changed_inputs(['user_id'], attribution_inputs()) }}",
        post_hook="{{ remember_input_fingerprints(['user_id'], attribution_inputs()) }}"
    )
}}
-- Every conversion of every real user (install, signup, activation = first successful payment,
-- first trade), credited to the touches of the user's journey by five attribution models. Credit
-- shares sum to 1 per conversion and model. The journey is the same for all of a user's
-- conversions: the touches before the install's first app_open; the model and its lookback window
-- are stated on every row.
-- Incremental by user: a run rebuilds the users whose conversions, credits or fraud status changed
-- (macros/incremental/input_fingerprints.sql).
with conversions as (
    select * from {{ ref('int_users__conversions') }}
    where {{ among_keys_to_rebuild('user_id', 'user_id', 'fingerprints') }}
),

credits as (
    select * from {{ ref('int_users__attribution_credits') }}
    where {{ among_keys_to_rebuild('user_id', 'user_id', 'fingerprints') }}
),

fraud as (
    select
        user_id,
        is_fraud
    from {{ ref('int_users__fraud_status') }}
)

select
    conversions.user_id::varchar as user_id,
    conversions.conversion_type::varchar as conversion_type,
    conversions.converted_at::timestamp as converted_at,
    conversions.converted_at::date as conversion_date,
    credits.attribution_model::varchar as attribution_model,
    credits.lookback_days::integer as attribution_lookback_days,
    credits.touch_number::bigint as touch_number,
    credits.touch_id::varchar as touch_id,
    credits.touch_type::varchar as touch_type,
    credits.touched_at::timestamp as touched_at,
    credits.channel::varchar as channel,
    credits.campaign_id::varchar as campaign_id,
    credits.credit::double as credit,
    coalesce(fraud.is_fraud, false) as is_fraud
from conversions
inner join credits on conversions.user_id = credits.user_id
left join fraud on conversions.user_id = fraud.user_id
