{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with landed as (
    {{ landing_csv_records(source('app', 'users'), [
        'user_id', 'email', 'phone', 'country', 'created_at', 'updated_at', 'signup_ip',
        'signup_device_id', 'referral_code', 'own_referral_code', 'status', 'kyc_level',
    ]) }}
),

parsed as (
    select
        *,
        {{ clean_text('user_id') }} as parsed_user_id,
        {{ parse_timestamp('created_at') }} as parsed_created_at,
        {{ parse_timestamp('updated_at') }} as parsed_updated_at,
        {{ parse_integer('kyc_level') }} as parsed_kyc_level
    from landed
),

validated as (
    select
        *,
        {{ reject_reason([
            ('parsed_user_id is null', 'missing_key'),
            ('created_at is null or updated_at is null', 'missing_required_field'),
            ('parsed_created_at is null or parsed_updated_at is null', 'invalid_timestamp'),
            ('kyc_level is not null and parsed_kyc_level is null', 'invalid_number'),
        ]) }} as _reject_reason
    from parsed
)

-- The record text goes to the rejection audit: emails and phones in it are pseudonymised too.
-- (Columns listed rather than `* replace (...)`, which only DuckDB has.)
select
    _file,
    _batch,
    _batch_at,
    _record_number,
    replace(
        replace(_raw_record, coalesce(email, chr(0)), coalesce({{ pseudonymise(normalise_email('email')) }}, '')),
        coalesce(phone, chr(0)),
        'phone:' || coalesce({{ pseudonymise('phone') }}, '')
    ) as _raw_record,
    _structure_error,
    user_id,
    email,
    phone,
    country,
    created_at,
    updated_at,
    signup_ip,
    signup_device_id,
    referral_code,
    own_referral_code,
    status,
    kyc_level,
    parsed_user_id,
    parsed_created_at,
    parsed_updated_at,
    parsed_kyc_level,
    _reject_reason
from validated
