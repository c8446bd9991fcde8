{#- An alert's entity id when the entity is of `entity_type`, else null: join on it
    (`members.group_id = entity_id_of_type('alerts', 'group')`). Written as
    `entity_type = 'group' and entity_id = group_id`, a left join's ON clause tests the preserved
    side and DuckDB falls back to a nested-loop join (alerts x members); as one equality it is a
    hash join. -#}
{% macro entity_id_of_type(alias, entity_type) -%}
    case when {{ alias }}.entity_type = '{{ entity_type }}' then {{ alias }}.entity_id end
{%- endmacro %}
