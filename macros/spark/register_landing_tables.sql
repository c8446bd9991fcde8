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

{#- The files of each source are the ones DuckDB reads: the quoted glob of its
    `external_location` (sources YAML), so the landing layout is declared in one place. -#}
{% macro spark__register_landing_tables() -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() if source.meta.external_location -%}
            {%- set glob = modules.re.search("'([^']*)'", source.meta.external_location).group(1)
                | replace('{name}', source.name) -%}
            {%- set table = source.source_name ~ '.' ~ source.name -%}
            {%- do run_query('create schema if not exists ' ~ source.source_name) -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- if glob.endswith('.parquet') -%}
                {%- do run_query("create table " ~ table ~ " using parquet options (path '" ~ glob ~ "')") -%}
            {%- else -%}
                {%- do run_query("create table " ~ table ~ " using text options (path '" ~ glob ~ "', wholetext 'true')") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as landing_tables_registered
{%- endmacro %}
