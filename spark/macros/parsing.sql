{#- Typing, version and PII helpers behind adapter.dispatch: the `spark__` implementations of the
    root project's macros/landing/parsing.sql, versions.sql and pii/pii.sql. Each returns null
    when the text does not parse, as the DuckDB versions do. Spark 4 runs in ANSI mode, where a
    plain cast of bad text fails the query: every parse is a try_ function. -#}

{% macro clean_text(column) -%}
    {{ return(adapter.dispatch('clean_text')(column)) }}
{%- endmacro %}
{% macro spark__clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro plausible_timestamp(expression) -%}
    {{ return(adapter.dispatch('plausible_timestamp')(expression)) }}
{%- endmacro %}
{% macro spark__plausible_timestamp(expression) -%}
    case
        when ({{ expression }}) >= timestamp '{{ var("min_plausible_timestamp") }}'
            and ({{ expression }}) < timestamp '{{ var("max_plausible_timestamp") }}'
            then ({{ expression }})
    end
{%- endmacro %}

{#- ISO-8601 only (the regular expression), then Spark's own cast: offsets are converted to the
    session time zone (UTC), a missing offset means UTC. -#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp')(column)) }}
{%- endmacro %}
{% macro spark__parse_timestamp(column) -%}
    case
        when trim({{ column }}) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
            then {{ spark__plausible_timestamp("try_cast(trim(" ~ column ~ ") as timestamp)") }}
    end
{%- endmacro %}

{% macro parse_epoch_ms(column) -%}
    {{ return(adapter.dispatch('parse_epoch_ms')(column)) }}
{%- endmacro %}
{% macro spark__parse_epoch_ms(column) -%}
    {%- set milliseconds = "try_cast(trim(" ~ column ~ ") as bigint)" -%}
    case
        when {{ milliseconds }} >= unix_millis(timestamp '{{ var("min_plausible_timestamp") }}')
            and {{ milliseconds }} < unix_millis(timestamp '{{ var("max_plausible_timestamp") }}')
            then timestamp_millis({{ milliseconds }})
    end
{%- endmacro %}

{% macro parse_date(column) -%}
    {{ return(adapter.dispatch('parse_date')(column)) }}
{%- endmacro %}
{% macro spark__parse_date(column) -%}
    case
        when trim({{ column }}) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
            then try_cast(trim({{ column }}) as date)
    end
{%- endmacro %}

{% macro parse_integer(column) -%}
    {{ return(adapter.dispatch('parse_integer')(column)) }}
{%- endmacro %}
{% macro spark__parse_integer(column) -%}
    try_cast(trim({{ column }}) as bigint)
{%- endmacro %}

{#- Decimal sums and products need explicit casts on Spark: decimal(18,0) * decimal(18,6) is
    decimal(37,6) there, so the result is cast back to the warehouse's decimal(18, 6). -#}
{% macro minor_to_major(amount_minor, minor_units) -%}
    {{ return(adapter.dispatch('minor_to_major')(amount_minor, minor_units)) }}
{%- endmacro %}
{% macro spark__minor_to_major(amount_minor, minor_units) -%}
    cast(cast({{ amount_minor }} as decimal(18, 0)) * cast(power(10, -{{ minor_units }}) as decimal(18, 6)) as decimal(18, 6))
{%- endmacro %}

{% macro to_usd(amount, usd_per_unit) -%}
    {{ return(adapter.dispatch('to_usd')(amount, usd_per_unit)) }}
{%- endmacro %}
{% macro spark__to_usd(amount, usd_per_unit) -%}
    cast({{ amount }} * {{ usd_per_unit }} as decimal(18, 6))
{%- endmacro %}

{#- Engine-neutral: plain CASE. -#}
{% macro reject_reason(checks) -%}
    case
        when _structure_error is not null then _structure_error
        {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- Versions: Spark has no QUALIFY, so the rank is a column and the model filters on it. -#}
{% macro version_rank(key_columns, order_by) -%}
    row_number() over (partition by {{ key_columns | join(', ') }} order by {{ order_by }})
{%- endmacro %}
{% macro first_delivered_at(key_columns) -%}
    min(_batch_at) over (partition by {{ key_columns | join(', ') }})
{%- endmacro %}
{% macro latest_delivery_first() -%}
    _batch desc, _record_number desc
{%- endmacro %}
{% macro first_delivery_first() -%}
    _batch asc, _record_number asc
{%- endmacro %}

{#- PII: the same salted SHA-256 hex digest as DuckDB's sha256(). -#}
{% macro normalise_email(column) -%}
    {{ return(adapter.dispatch('normalise_email')(column)) }}
{%- endmacro %}
{% macro spark__normalise_email(column) -%}
    nullif(lower(regexp_replace({{ column }}, '\\s', '')), '')
{%- endmacro %}

{% macro pseudonymise(expression) -%}
    {{ return(adapter.dispatch('pseudonymise')(expression)) }}
{%- endmacro %}
{% macro spark__pseudonymise(expression) -%}
    case when ({{ expression }}) is not null then sha2(concat('{{ env_var("PII_SALT", "local-development-salt") }}', ':', ({{ expression }})), 256) end
{%- endmacro %}

{% macro normalise_phone(phone, calling_code) -%}
    {{ return(adapter.dispatch('normalise_phone')(phone, calling_code)) }}
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

{#- Schemas exactly staging / marts, as in the root project. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
