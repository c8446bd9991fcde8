{#- The group an alert is about, null for any other entity: join group members on it
    (`members.group_id = group_entity_id('alerts')`). Written as `entity_type = 'group' and
    entity_id = group_id`, a left join's ON clause tests the preserved side and DuckDB falls back
    to a nested-loop join (alerts x members); as one equality it is a hash join. -#}
{% macro group_entity_id(alias) -%}
    case when {{ alias }}.entity_type = 'group' then {{ alias }}.entity_id end
{%- endmacro %}
