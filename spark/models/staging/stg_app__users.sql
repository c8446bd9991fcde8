-- Spark port of models/staging/app/stg_app__users.sql (no QUALIFY: the rank is filtered outside).
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_user_id']) }} as _first_batch_at,
        {{ version_rank(['parsed_user_id'], 'parsed_updated_at desc, ' ~ latest_delivery_first()) }} as _version_rank
    from {{ ref('base_app__users') }}
    where _reject_reason is null
),

normalised as (
    select
        ranked.*,
        {{ normalise_email('ranked.email') }} as normalised_email,
        upper({{ clean_text('ranked.country') }}) as country_code,
        cast(country_calling_codes.calling_code as string) as calling_code
    from ranked
    left join {{ ref('country_calling_codes') }} as country_calling_codes
        on upper({{ clean_text('ranked.country') }}) = country_calling_codes.country_code
    where ranked._version_rank = 1
)

select
    parsed_user_id as user_id,
    {{ clean_text('signup_device_id') }} as signup_device_id,
    {{ clean_text('signup_ip') }} as signup_ip,
    upper({{ clean_text('referral_code') }}) as referral_code,
    upper({{ clean_text('own_referral_code') }}) as own_referral_code,
    {{ pseudonymise('normalised_email') }} as email_hash,
    split_part(normalised_email, '@', 2) as email_domain,
    {{ pseudonymise(normalise_phone('phone', 'calling_code')) }} as phone_hash,
    country_code,
    lower({{ clean_text('status') }}) as status,
    parsed_kyc_level as kyc_level,
    coalesce(normalised_email like '%@qa.internal', false) as is_test_account,
    parsed_created_at as created_at,
    parsed_updated_at as updated_at,
    _batch,
    _batch_at,
    _first_batch_at
from normalised
