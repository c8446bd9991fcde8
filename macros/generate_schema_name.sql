{#- Schemas are exactly staging, intermediate, marts and audit: a model's custom schema is used
    as is, never prefixed with the target schema, so BI tools and checks find fixed names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
