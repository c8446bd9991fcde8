{#- on-run-start. DuckDB reads the landed files through each source's `external_location`; Spark
    has no such thing, so on Spark every landed table becomes a table `<system>.<table>` (the
    name `source()` gives it there) over its files: text files whole, one row per file, so the
    readers see each file's header and line order; Parquet as is. Re-created on every run, so the
    files landed since the last run are listed. -#}
{% macro register_landing_tables() -%}
    {{ return(adapter.dispatch('register_landing_tables', 'marketplace_warehouse')()) }}
{%- endmacro %}

{% macro default__register_landing_tables() -%}
    select 1 as landing_read_through_external_locations
{%- endmacro %}

{% macro spark__register_landing_tables() -%}
    {%- set raw_root = env_var('RAW_ROOT', 'data/raw') -%}
    {%- set formats = {'events/app_events': 'jsonl', 'marketing/social_ads': 'jsonl',
        'marketing/touchpoints': 'jsonl', 'risk/decisions': 'jsonl', 'trading/trades': 'parquet'} -%}
    {%- if execute -%}
        {%- for landed, base_model, staging_model, key in landed_tables() -%}
            {%- set system, table = landed.split('/') -%}
            {%- set ext = formats.get(landed, 'csv') -%}
            {%- set path = raw_root ~ '/' ~ landed ~ '/*.' ~ ext -%}
            {%- do run_query('create schema if not exists ' ~ system) -%}
            {%- do run_query('drop table if exists ' ~ system ~ '.' ~ table) -%}
            {%- if ext == 'parquet' -%}
                {%- do run_query("create table " ~ system ~ "." ~ table ~ " using parquet options (path '" ~ path ~ "')") -%}
            {%- else -%}
                {%- do run_query("create table " ~ system ~ "." ~ table ~ " using text options (path '" ~ path ~ "', wholetext 'true')") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as landing_tables_registered
{%- endmacro %}
