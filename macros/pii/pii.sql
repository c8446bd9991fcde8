{#- Emails and phones never leave staging in clear: they are normalised, then replaced by a salted
    SHA-256 (salt from PII_SALT) so that equal identifiers still join across tables. -#}

{% macro normalise_email(column) -%}
    {{ return(adapter.dispatch('normalise_email', 'marketplace_warehouse')(column)) }}
{%- endmacro %}

{% macro default__normalise_email(column) -%}
    nullif(lower(regexp_replace({{ column }}, '\s', '', 'g')), '')
{%- endmacro %}

{% macro pseudonymise(expression) -%}
    {{ return(adapter.dispatch('pseudonymise', 'marketplace_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__pseudonymise(expression) -%}
    case when ({{ expression }}) is not null then sha256('{{ env_var("PII_SALT", "local-development-salt") }}' || ':' || ({{ expression }})) end
{%- endmacro %}

{#- To E.164 (+<country code><number>): an explicit + or 00 prefix is kept; a national number
    (leading trunk 0, or none) takes the calling code of the user's country. Numbers that cannot
    be a phone (fewer than 8 or more than 15 digits) become null. -#}
{% macro normalise_phone(phone, calling_code) -%}
    {{ return(adapter.dispatch('normalise_phone', 'marketplace_warehouse')(phone, calling_code)) }}
{%- endmacro %}

{% macro default__normalise_phone(phone, calling_code) -%}
    {%- set digits = "regexp_replace(replace(" ~ phone ~ ", '(0)', ''), '[^0-9]', '', 'g')" -%}
    {%- set e164 -%}
        case
            when trim({{ phone }}) like '+%' then {{ digits }}
            when {{ digits }} like '00%' then {{ digits }}[3:]
            when {{ calling_code }} is null then null
            when {{ digits }} like '0%' then {{ calling_code }} || {{ digits }}[2:]
            when {{ calling_code }} = '1' and length({{ digits }}) = 11 and {{ digits }} like '1%'
                then {{ digits }}
            else {{ calling_code }} || {{ digits }}
        end
    {%- endset -%}
    case when length({{ e164 }}) between 8 and 15 then '+' || ({{ e164 }}) end
{%- endmacro %}
