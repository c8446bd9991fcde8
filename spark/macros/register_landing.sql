{#- on-run-start: one table of the `landing` schema per landed table, over its files (text files
    whole, one row per file, so that the readers see every file's header and line order; Parquet
    as is). Re-created on every run, so files landed since the last run are listed. -#}
{% macro register_landing_tables() -%}
    {%- set raw_root = env_var('RAW_ROOT', 'data/raw') -%}
    {%- set tables = [
        ('app', 'users', 'csv'), ('payments', 'payment_attempts', 'csv'),
        ('reference', 'fx_rates', 'csv'), ('events', 'app_events', 'jsonl'),
        ('trading', 'trades', 'parquet'),
    ] -%}
    {%- set statements = ["create schema if not exists landing"] -%}
    {%- for system, table, ext in tables -%}
        {%- set name = 'landing.' ~ system ~ '__' ~ table -%}
        {%- set path = raw_root ~ '/' ~ system ~ '/' ~ table ~ '/*.' ~ ext -%}
        {%- do statements.append('drop table if exists ' ~ name) -%}
        {%- if ext == 'parquet' -%}
            {%- do statements.append("create table " ~ name ~ " using parquet options (path '" ~ path ~ "')") -%}
        {%- else -%}
            {%- do statements.append("create table " ~ name ~ " using text options (path '" ~ path ~ "', wholetext 'true')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    select 1
{%- endmacro %}
