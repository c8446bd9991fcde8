{#- Typing helpers shared by the base models: each returns null when the text does not parse, so
    the base model can turn that null into a rejection reason. -#}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- ts_utc and ts_off: ISO-8601 date and time (T or space), optional fraction, optional Z or
    offset (no offset means UTC). Anything else - `2026-1-5 7:3`, `31/01/2026`, `N/A` - is
    unparseable even where DuckDB's lenient cast would guess. -#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'marketplace_warehouse')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    case
        when regexp_full_match(
            trim({{ column }}),
            '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?'
        )
            then {{ plausible_timestamp("try_cast(trim(" ~ column ~ ") as timestamptz) at time zone 'UTC'") }}
    end
{%- endmacro %}

{#- epoch_ms: integer milliseconds since 1970-01-01 UTC. -#}
{% macro parse_epoch_ms(column) -%}
    {{ return(adapter.dispatch('parse_epoch_ms', 'marketplace_warehouse')(column)) }}
{%- endmacro %}

{% macro default__parse_epoch_ms(column) -%}
    {%- set milliseconds = "try_cast(trim(" ~ column ~ ") as bigint)" -%}
    case
        when {{ milliseconds }} >= epoch_ms(timestamp '{{ var("min_plausible_timestamp") }}')
            and {{ milliseconds }} < epoch_ms(timestamp '{{ var("max_plausible_timestamp") }}')
            then epoch_ms({{ milliseconds }})
    end
{%- endmacro %}

{% macro plausible_timestamp(expression) -%}
    case
        when ({{ expression }}) >= timestamp '{{ var("min_plausible_timestamp") }}'
            and ({{ expression }}) < timestamp '{{ var("max_plausible_timestamp") }}'
            then ({{ expression }})
    end
{%- endmacro %}

{#- date: YYYY-MM-DD and a real calendar day. -#}
{% macro parse_date(column) -%}
    {{ return(adapter.dispatch('parse_date', 'marketplace_warehouse')(column)) }}
{%- endmacro %}

{% macro default__parse_date(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            then try_cast(trim({{ column }}) as date)
    end
{%- endmacro %}

{% macro parse_integer(column) -%}
    try_cast(trim({{ column }}) as bigint)
{%- endmacro %}

{#- Decimal text in major units, e.g. "12.50"; money is carried as decimal(18, 6). -#}
{% macro parse_decimal(column) -%}
    try_cast(trim({{ column }}) as decimal(18, 6))
{%- endmacro %}

{#- Minor units to major units by the currency's ISO-4217 exponent (JPY 0, USD 2, KWD 3). -#}
{% macro minor_to_major(amount_minor, minor_units) -%}
    {{ return(adapter.dispatch('minor_to_major', 'marketplace_warehouse')(amount_minor, minor_units)) }}
{%- endmacro %}

{% macro default__minor_to_major(amount_minor, minor_units) -%}
    cast({{ amount_minor }} as decimal(18, 0)) * cast(power(10, -{{ minor_units }}) as decimal(18, 6))
{%- endmacro %}

{#- USD at the day's rate, or the latest earlier one (see fx_rates_asof). -#}
{% macro to_usd(amount, usd_per_unit) -%}
    cast({{ amount }} * {{ usd_per_unit }} as decimal(18, 6))
{%- endmacro %}

{#- Why a record is rejected: a structural error first (wrong field count, malformed JSON), then
    the first failing check in the order given; null when the record is good. -#}
{% macro reject_reason(checks) -%}
    case
        when _structure_error is not null then _structure_error
        {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}
