{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        unique_key='user_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Current state of every user: the version with the greatest updated_at (CDC), whatever the order
-- in which versions were delivered. Emails and phones leave this model only as salted hashes.
-- the rank is a column filtered outside (Spark has no QUALIFY)
with ranked as (
    select
        *,
        {{ first_delivered_at(['parsed_user_id']) }} as _first_batch_at,
        {{ version_rank(['parsed_user_id'], 'parsed_updated_at desc, ' ~ latest_delivery_first()) }} as _version_rank
    from {{ ref('base_app__users') }}
    where _reject_reason is null
    {{ only_keys_with_new_deliveries(ref('base_app__users'), 'parsed_user_id') }}
),

base as (
    select * from ranked
    where _version_rank = 1
),

normalised as (
    select
        base.*,
        {{ normalise_email('base.email') }} as normalised_email,
        upper({{ clean_text('base.country') }}) as country_code,
        cast(country_calling_codes.calling_code as {{ dbt.type_string() }}) as calling_code
    from base
    left join {{ ref('country_calling_codes') }} as country_calling_codes
        on upper({{ clean_text('base.country') }}) = country_calling_codes.country_code
)

select
    -- ids
    parsed_user_id as user_id,
    {{ clean_text('signup_device_id') }} as signup_device_id,
    {{ clean_text('signup_ip') }} as signup_ip,
    upper({{ clean_text('referral_code') }}) as referral_code,
    upper({{ clean_text('own_referral_code') }}) as own_referral_code,
    -- pseudonymised contact details
    {{ pseudonymise('normalised_email') }} as email_hash,
    split_part(normalised_email, '@', 2) as email_domain,
    {{ pseudonymise(normalise_phone('phone', 'calling_code')) }} as phone_hash,
    -- strings
    country_code,
    lower({{ clean_text('status') }}) as status,
    -- numerics
    parsed_kyc_level as kyc_level,
    -- booleans
    coalesce(normalised_email like '%@qa.internal', false) as is_test_account,
    -- timestamps (UTC)
    parsed_created_at as created_at,
    parsed_updated_at as updated_at,
    -- delivery
    _batch,
    _batch_at,
    _first_batch_at
from normalised
