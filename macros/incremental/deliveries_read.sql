{#-
    Key-level incremental models: rebuild only the keys that new deliveries can reach.

    Such a model keeps the deliveries it has read from each staged input in a ledger,
    `intermediate.<model>__deliveries_read` (input, _batch). A staged row only changes when a delivery of its
    key wins that was not loaded before, and a file is loaded once, in one run, so the rows of an
    input whose `_batch` is not listed there are exactly its rows that are new or changed since the
    model's last run (matched by name, so a delivery that lands late is still seen).

    The model's pre-hooks list the keys those rows reach once, before anything changes
    (`list_keys_to_rebuild`: a temporary table, read by the model as `keys_to_rebuild()`), and
    delete them (`delete_keys_to_rebuild`, so a key whose rows have all gone is deleted too); the
    model inserts them again, recomputed from all their inputs (`append`), while every other key
    keeps its rows, which a full build would compute the same way. After a full build, or when the
    ledger is missing (the model was a table before), the whole table is rebuilt.
    `remember_deliveries_read` (a post-hook) writes the ledger, in the same transaction as the
    rows, and drops the list.
-#}

{#- Kept in the intermediate schema whatever the model's own, so a mart's ledger is never
    published with the marts. -#}
{% macro deliveries_read_relation() -%}
    {{- return(rows_read_relation('deliveries')) -}}
{%- endmacro %}

{#- Where a model keeps what it last read of one input, `intermediate.<model>__<name>_read`: the
    ledger of deliveries, or a copy of a derived input (one not staged by delivery, so its changes
    are found by comparing it with the copy). -#}
{% macro rows_read_relation(name) -%}
    {{- return(api.Relation.create(
        database=this.database,
        schema=generate_schema_name('intermediate', model),
        identifier=this.identifier ~ '__' ~ name ~ '_read',
    )) -}}
{%- endmacro %}

{#- Post-hook: keep the rows `rows_sql` selects as what this run read of input `name`. A
    point-in-time build (var risk_as_of) keeps nothing: its rows leave records out, so the next run
    must rebuild every key. -#}
{% macro remember_rows_read(name, rows_sql) -%}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {#- a model built without the rest of the project (`dbt build -s staging`) has no intermediate schema yet -#}
    create schema if not exists {{ rows_read_relation(name).without_identifier() }};
    {%- if var('risk_as_of', none) is not none %}
    drop table if exists {{ rows_read_relation(name) }}
    {%- else %}
    create or replace table {{ rows_read_relation(name) }} as
    {{ rows_sql }}
    {%- endif %}
{%- endmacro %}

{#- True when this run rebuilds only some keys: an incremental run with a ledger (or, for the
    models of input_fingerprints.sql, `ledger='fingerprints'`) to compare to, and no point-in-time
    var (risk_as_of), which rebuilds every key from the records delivered by then. -#}
{% macro rebuilds_changed_keys_only(ledger='deliveries') -%}
    {%- if not execute or this is none or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- if var('risk_as_of', none) is not none -%}
        {{- return(false) -}}
    {%- endif -%}
    {{- return(load_relation(rows_read_relation(ledger)) is not none) -}}
{%- endmacro %}

{#- The rows of staged model `input_name` in deliveries this model has not read yet. -#}
{% macro rows_not_read_yet(input_name) -%}
    (
        select * from {{ ref(input_name) }}
        where _batch not in (
            select deliveries_read._batch
            from {{ deliveries_read_relation() }} as deliveries_read
            where deliveries_read.input = '{{ input_name }}'
        )
    )
{%- endmacro %}

{#- The keys this run rebuilds, listed by the pre-hook (a temporary table of this connection). -#}
{% macro keys_to_rebuild() -%}
    {{- return(this.identifier ~ '__keys_to_rebuild') -}}
{%- endmacro %}

{#- A condition keeping the rows whose `column` is a listed key (`key_column`) when this run rebuilds
    only some keys, else true. -#}
{% macro among_keys_to_rebuild(column, key_column, ledger='deliveries') -%}
    {%- if rebuilds_changed_keys_only(ledger) -%}
        {{ column }} in (select keys_to_rebuild.{{ key_column }} from {{ keys_to_rebuild() }} as keys_to_rebuild)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: list the keys `keys_sql` selects, before the delete below changes what it reads. -#}
{% macro list_keys_to_rebuild(keys_sql, ledger='deliveries') -%}
    {%- if not rebuilds_changed_keys_only(ledger) -%}
        {{- return('') -}}
    {%- endif -%}
    create or replace temporary table {{ keys_to_rebuild() }} as
    {{ keys_sql }}
{%- endmacro %}

{#- Pre-hook: delete the listed keys (columns `key_columns`) before they are inserted again; on an
    incremental run without a ledger, delete every row. -#}
{% macro delete_keys_to_rebuild(key_columns, ledger='deliveries') -%}
    {%- if not execute or not is_incremental() -%}
        {{- return('') -}}
    {%- endif -%}
    {%- if not rebuilds_changed_keys_only(ledger) -%}
        delete from {{ this }}
    {%- else -%}
        delete from {{ this }} as kept
        using {{ keys_to_rebuild() }} as keys_to_rebuild
        where
            {%- for key in key_columns %}
            {{ 'and ' if not loop.first }}kept.{{ key }} = keys_to_rebuild.{{ key }}
            {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: the deliveries of every input, as read by this run; the list of keys is dropped. -#}
{% macro remember_deliveries_read(input_names) -%}
    {#- only an incremental model reads its ledger (staging is a table on Spark) -#}
    {%- if not execute or config.get('materialized') != 'incremental' -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set deliveries_sql -%}
        {%- for input_name in input_names %}
        select distinct
            '{{ input_name }}' as input,
            _batch
        from {{ ref(input_name) }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    {%- endset -%}
    {{ remember_rows_read('deliveries', deliveries_sql) }};
    drop table if exists {{ keys_to_rebuild() }}
{%- endmacro %}
