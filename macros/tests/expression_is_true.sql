{#- Rows for which `expression` is not true fail the test (dbt_utils' test of the same name,
    which cannot be installed here). On a column, the expression continues the column's name,
    e.g. `>= 0`. -#}
{% test expression_is_true(model, expression, column_name=none, where_clause=none) %}
select *
from {{ model }}
where not coalesce(({{ column_name ~ ' ' if column_name else '' }}{{ expression }}), false)
{%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}
