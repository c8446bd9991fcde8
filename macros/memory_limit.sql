{#- DuckDB keeps up to 80% of the machine's memory by default, as a cache it could do without:
    a 200k-user build peaks at 16 GB on a 24 GB machine. DUCKDB_MEMORY_LIMIT (e.g. `6GiB`) caps
    it for the whole run (the setting is global to the database, so every model and thread gets
    it); larger intermediate results then spill to `<warehouse>.tmp`. Unset: DuckDB's default. -#}
{% macro apply_memory_limit() -%}
    {%- set limit = env_var('DUCKDB_MEMORY_LIMIT', '') | trim -%}
    {%- if limit and target.type == 'duckdb' -%}
        set memory_limit = '{{ limit | replace("'", "") }}'
    {%- else -%}
        select 1 as no_memory_limit
    {%- endif -%}
{%- endmacro %}
