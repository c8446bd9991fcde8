{#- A sum that does not depend on the order rows arrive in. DuckDB adds DOUBLEs in whatever order
    its threads deliver them, so the last digits of a floating-point sum change from run to run,
    and a mart would no longer be a pure function of the landing zone (an incremental refresh and
    a full rebuild must give identical marts). Each value is rounded once to `scale` decimals and
    added exactly as a DECIMAL; the caller casts the result back to DOUBLE if it needs one. -#}
{% macro exact_sum(expression, scale=12) -%}
    sum(({{ expression }})::decimal(38, {{ scale }}))
{%- endmacro %}

{#- The mean of the non-null values, added exactly (see exact_sum). -#}
{% macro exact_avg(expression, scale=12) -%}
    ({{ exact_sum(expression, scale) }} / nullif(count({{ expression }}), 0))
{%- endmacro %}
