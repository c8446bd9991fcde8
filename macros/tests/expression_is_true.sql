{#- Rows for which `expression` is not true fail the test (dbt_utils' test of the same name,
    which cannot be installed here). -#}
{% test expression_is_true(model, expression, where_clause=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}
