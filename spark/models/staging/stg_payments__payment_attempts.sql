-- Spark port of models/staging/payments/stg_payments__payment_attempts.sql. No ASOF join on
-- Spark: the rate of the attempt's day (or the latest earlier one) comes from an equi-join on
-- stg_reference__fx_rates_daily, the rates carried forward to every day.
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_attempt_id']) }} as _first_batch_at,
        {{ version_rank(['parsed_attempt_id'], first_delivery_first()) }} as _version_rank
    from {{ ref('base_payments__payment_attempts') }}
    where _reject_reason is null
),

converted as (
    select
        ranked.*,
        {{ minor_to_major('ranked.parsed_amount_minor', 'ranked.minor_units') }} as amount,
        fx_rates.usd_per_unit
    from ranked
    left join {{ ref('stg_reference__fx_rates_daily') }} as fx_rates
        on ranked.parsed_currency = fx_rates.currency
        and cast(ranked.parsed_created_at as date) = fx_rates.rate_day
    where ranked._version_rank = 1
)

select
    parsed_attempt_id as attempt_id,
    {{ clean_text('user_id') }} as user_id,
    {{ clean_text('card_fingerprint') }} as card_fingerprint,
    {{ clean_text('card_bin') }} as card_bin,
    upper({{ clean_text('card_country') }}) as card_country,
    parsed_currency as currency,
    lower({{ clean_text('purpose') }}) as purpose,
    lower({{ clean_text('status') }}) as status,
    lower({{ clean_text('decline_code') }}) as decline_code,
    parsed_amount_minor as amount_minor,
    amount,
    {{ to_usd('amount', 'usd_per_unit') }} as amount_usd,
    parsed_created_at as created_at,
    _batch,
    _batch_at,
    _first_batch_at
from converted
