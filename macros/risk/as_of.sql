{#- Point-in-time: with `--vars '{risk_as_of: "2026-02-01 00:00:00"}'` the risk models use only
    records delivered by that moment (their `_batch_at`, the end of the delivery hour) and that
    happened before it. Without the var they use everything delivered. -#}
{% macro known_by_cutoff(known_at_column, happened_at_column=none) -%}
    {%- set as_of = var('risk_as_of', none) -%}
    {%- if as_of is none -%}
        true
    {%- else -%}
        {{ known_at_column }} <= timestamp '{{ as_of }}'
        {%- if happened_at_column is not none %} and {{ happened_at_column }} < timestamp '{{ as_of }}'{% endif %}
    {%- endif -%}
{%- endmacro %}

{#- The moment the features describe: the as-of var, or the latest delivery. -#}
{% macro risk_cutoff(latest_known_at_expression) -%}
    {%- set as_of = var('risk_as_of', none) -%}
    {%- if as_of is none -%}
        ({{ latest_known_at_expression }})
    {%- else -%}
        timestamp '{{ as_of }}'
    {%- endif -%}
{%- endmacro %}
