{#- The `spark__` implementations of the typing (macros/landing/parsing.sql), PII (macros/pii)
    and FX (macros/landing/versions.sql) helpers. Each returns null when the text does not parse,
    as the DuckDB versions do. Spark 4 runs in ANSI mode, where a plain cast of bad text fails the
    query: every parse is a try_ function. Helpers that are the same SQL on both engines
    (clean_text, parse_integer, to_usd, version ranks) do not dispatch. -#}

{#- ISO-8601 only (the regular expression), then Spark's own cast: offsets are converted to the
    session time zone (UTC), a missing offset means UTC. -#}
{% macro spark__parse_timestamp(column) -%}
    case
        when trim({{ column }}) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
            then {{ plausible_timestamp("try_cast(trim(" ~ column ~ ") as timestamp)") }}
    end
{%- endmacro %}

{% macro spark__parse_epoch_ms(column) -%}
    {%- set milliseconds = "try_cast(trim(" ~ column ~ ") as bigint)" -%}
    case
        when {{ milliseconds }} >= unix_millis(timestamp '{{ var("min_plausible_timestamp") }}')
            and {{ milliseconds }} < unix_millis(timestamp '{{ var("max_plausible_timestamp") }}')
            then timestamp_millis({{ milliseconds }})
    end
{%- endmacro %}

{% macro spark__parse_date(column) -%}
    case
        when trim({{ column }}) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
            then try_cast(trim({{ column }}) as date)
    end
{%- endmacro %}

{#- decimal(18,0) * decimal(18,6) is decimal(37,6) on Spark: cast back to the warehouse's money
    type. -#}
{% macro spark__minor_to_major(amount_minor, minor_units) -%}
    cast(cast({{ amount_minor }} as decimal(18, 0)) * cast(power(10, -{{ minor_units }}) as decimal(18, 6)) as decimal(18, 6))
{%- endmacro %}

{#- Spark has no ASOF join: the rate whose validity (its day up to the currency's next rate day)
    holds the date, as a range join. -#}
{% macro spark__join_usd_rate(currency_column, date_expression) -%}
    left join (
        select
            currency,
            rate_date,
            lead(rate_date) over (partition by currency order by rate_date) as next_rate_date,
            usd_per_unit
        from {{ ref('stg_reference__fx_rates') }}
    ) as fx_rates
        on {{ currency_column }} = fx_rates.currency
        and {{ date_expression }} >= fx_rates.rate_date
        and ({{ date_expression }} < fx_rates.next_rate_date or fx_rates.next_rate_date is null)
{%- endmacro %}

{#- PII: the same salted SHA-256 hex digest as DuckDB's sha256(); Spark's regexp_replace replaces
    every match and its literals take backslash escapes. -#}
{% macro spark__normalise_email(column) -%}
    nullif(lower(regexp_replace({{ column }}, '\\s', '')), '')
{%- endmacro %}

{% macro spark__pseudonymise(expression) -%}
    case when ({{ expression }}) is not null then sha2(concat('{{ env_var("PII_SALT", "local-development-salt") }}', ':', ({{ expression }})), 256) end
{%- endmacro %}

{% macro spark__normalise_phone(phone, calling_code) -%}
    {%- set digits = "regexp_replace(replace(" ~ phone ~ ", '(0)', ''), '[^0-9]', '')" -%}
    {%- set e164 -%}
        case
            when trim({{ phone }}) like '+%' then {{ digits }}
            when {{ digits }} like '00%' then substring({{ digits }}, 3)
            when {{ calling_code }} is null then null
            when {{ digits }} like '0%' then concat({{ calling_code }}, substring({{ digits }}, 2))
            when {{ calling_code }} = '1' and length({{ digits }}) = 11 and {{ digits }} like '1%'
                then {{ digits }}
            else concat({{ calling_code }}, {{ digits }})
        end
    {%- endset -%}
    case when length({{ e164 }}) between 8 and 15 then concat('+', {{ e164 }}) end
{%- endmacro %}
