{#- A row of int_risk_model__feature_history is a period of a user's point-in-time features, from
    valid_from up to valid_until (null while current). The periods containing `moment` are the
    users' rows at that scan (risk_model.warehouse.PointInTime reads them the same way). -#}
{% macro period_contains(periods, moment) -%}
    {{ moment }} >= {{ periods }}.valid_from
    and {{ moment }} < coalesce({{ periods }}.valid_until, 'infinity'::timestamp)
{%- endmacro %}
